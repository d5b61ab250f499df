import { status, type Server, type ServerDuplexStream } from '@grpc/grpc-js';
import { loadDescriptorSet, reflectionV1, reflectionV1alpha } from '@massa-bootstrap/proto';
import { DescriptorIndex } from './descriptor-index';

type ReflectionRequest = reflectionV1.ServerReflectionRequest;
type ReflectionResponse = reflectionV1.ServerReflectionResponse;

/** The two reflection services {@link addReflectionService} registers (and lists). */
export const REFLECTION_SERVICE_NAMES: readonly string[] = [
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
];

/** What reflection serves. */
export interface ReflectionOptions {
  /** Fully-qualified names of the services the server exposes (e.g. 'grpc.health.v1.Health'). */
  readonly services: readonly string[];
  /** Encoded FileDescriptorSet with imports; defaults to `@massa-bootstrap/proto`'s `buf build`. */
  readonly descriptorSet?: Uint8Array;
}

function answer(
  index: DescriptorIndex,
  services: readonly string[],
  request: ReflectionRequest,
): ReflectionResponse {
  const reply = (messageResponse: ReflectionResponse['messageResponse']): ReflectionResponse => ({
    validHost: request.host,
    originalRequest: request,
    messageResponse,
  });
  const notFound = (what: string): ReflectionResponse =>
    reply({
      $case: 'errorResponse',
      value: { errorCode: status.NOT_FOUND, errorMessage: `${what} not found` },
    });
  const files = (fileName: string | undefined, what: string): ReflectionResponse => {
    const found = fileName === undefined ? undefined : index.fileWithDependencies(fileName);
    if (!found) return notFound(what);
    return reply({ $case: 'fileDescriptorResponse', value: { fileDescriptorProto: found } });
  };
  const req = request.messageRequest;
  switch (req?.$case) {
    case 'listServices':
      return reply({
        $case: 'listServicesResponse',
        value: { service: services.map((name) => ({ name })) },
      });
    case 'fileByFilename':
      return files(req.value, `file ${req.value}`);
    case 'fileContainingSymbol':
      return files(index.fileOfSymbol(req.value), `symbol ${req.value}`);
    case 'fileContainingExtension': {
      const { containingType, extensionNumber } = req.value;
      return files(
        index.fileOfExtension(containingType, extensionNumber),
        `extension ${extensionNumber} of ${containingType}`,
      );
    }
    case 'allExtensionNumbersOfType': {
      const numbers = index.extensionNumbers(req.value);
      if (!numbers) return notFound(`type ${req.value}`);
      return reply({
        $case: 'allExtensionNumbersResponse',
        value: { baseTypeName: req.value, extensionNumber: numbers },
      });
    }
    case undefined:
      return reply({
        $case: 'errorResponse',
        value: { errorCode: status.INVALID_ARGUMENT, errorMessage: 'message_request is not set' },
      });
  }
}

/**
 * Registers grpc.reflection.v1 and v1alpha ServerReflectionInfo on `server`, answering from
 * the exact compiled descriptors (so `grpcurl list/describe` and error-detail decoding work
 * with no proto files). Not `@grpc/reflection`: it rebuilds descriptors through proto-loader,
 * dropping file dependencies and renaming map entries (grpc-node #2595, #3018).
 * Files are always sent with all their transitive imports. Throws at start-up when a listed
 * service is not in the descriptor set.
 */
export function addReflectionService(server: Server, options: ReflectionOptions): void {
  const index = new DescriptorIndex(options.descriptorSet ?? loadDescriptorSet());
  const services = [...new Set([...options.services, ...REFLECTION_SERVICE_NAMES])];
  for (const name of services) {
    if (!index.hasService(name))
      throw new Error(`reflection: service ${name} is not in the descriptor set`);
  }
  const serverReflectionInfo = (
    call: ServerDuplexStream<ReflectionRequest, ReflectionResponse>,
  ): void => {
    call.on('data', (request: ReflectionRequest) => {
      // A client may pipeline requests: stop reading while the response queue is full.
      if (!call.write(answer(index, services, request))) {
        call.pause();
        call.once('drain', () => call.resume());
      }
    });
    call.on('end', () => call.end());
  };
  server.addService(reflectionV1.ServerReflectionService, { serverReflectionInfo });
  server.addService(reflectionV1alpha.ServerReflectionService, { serverReflectionInfo });
}
