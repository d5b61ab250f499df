import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('shows the type-checked client example verbatim', () => {
    const example = readFileSync(
      join(root, 'packages/bootstrap-client/examples/quickstart.ts'),
      'utf8',
    );
    expect(readme).toContain('```ts\n' + example + '```\n');
  });

  it('names the test command that .ci/run runs', () => {
    expect(readme).toContain('npm install && npm test');
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it('documents every setting the services read', () => {
    const settings = [
      'HISTORY_STORE_LISTEN',
      'HISTORY_STORE_DATA_DIR',
      'FINAL_HISTORY_LENGTH',
      'THREAD_COUNT',
      'GATEWAY_LISTEN',
      'HISTORY_STORE_URL',
      'MAX_PART_BYTES',
      'MAX_CONCURRENT_BOOTSTRAPS',
      'MEMORY_HIGH_WATERMARK_MB',
      'PER_IP_MIN_INTERVAL_MS',
      'ALLOW_CIDRS',
      'DENY_CIDRS',
      'BOOTSTRAP_TIMEOUT_MS',
      'TLS_CERT_FILE',
      'TLS_KEY_FILE',
      'TLS_CLIENT_CA_FILE',
      'DEVNET_SLOT_MS',
      'DEVNET_CHANGES_PER_SLOT',
      'DEVNET_INITIAL_ENTRIES',
    ];
    for (const name of settings) expect(readme).toContain(`\`${name}\``);
  });
});
