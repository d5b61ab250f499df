import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Path of the compiled `FileDescriptorSet` (`buf build`, imports included: google/rpc,
 * google/protobuf, grpc.health.v1, grpc.reflection) that the reflection service serves.
 * Lives beside `src/` and `dist/`, so it resolves the same from sources and from the build.
 */
export const descriptorSetPath: string = join(__dirname, '..', 'descriptor-set.binpb');

/** Directory holding the project's `.proto` sources (for proto-loader based tools and tests). */
export const protoRoot: string = join(__dirname, '..', '..', '..', 'protos');

/** Reads the compiled descriptor set as bytes (an encoded google.protobuf.FileDescriptorSet). */
export function loadDescriptorSet(): Uint8Array {
  return readFileSync(descriptorSetPath);
}
