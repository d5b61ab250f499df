import { bootstrap, LmdbSink, TooManyResetsError } from '@massa-bootstrap/bootstrap-client';
import { formatSlot } from '@massa-bootstrap/core';

export async function bootstrapNode(targets: string[], dataDir: string): Promise<void> {
  const sink = LmdbSink.open(dataDir); // or new MemorySink()
  const controller = new AbortController(); // controller.abort() stops everything cleanly
  try {
    const result = await bootstrap(
      { targets, sink, maxResets: 5, signal: controller.signal },
      {
        part: (p) => console.log(`${formatSlot(p.slot)}: ${p.sinkEntries} entries held`),
        reset: (r) => console.warn(`reset ${r.count}: ${r.message}`),
        retry: (r) => console.warn(`retry on ${r.nextTarget} in ${r.delayMs} ms`),
      },
    );
    console.log(formatSlot(result.slot), result.entries, result.digest.toString('hex'));
  } catch (err) {
    if (err instanceof TooManyResetsError) console.error('history too short for this link');
    throw err;
  } finally {
    await sink.close();
  }
}
