import {
  createFileRegistry,
  fromBinary,
  type DescMessage,
  type FileRegistry,
} from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { Server, credentials, status } from '@grpc/grpc-js';
import { HistoryStoreService, reflectionV1, reflectionV1alpha } from '@massa-bootstrap/proto';
import { closeClient, startGrpcServer, type StartedServer } from '@massa-bootstrap/test-support';
import { addHealthService, addReflectionService } from '../src';
import { ReflectionSession } from './reflection-client';
import { addToyGateway, sampleStatus } from './toy-gateway';

const SERVICES = [
  'massa.bootstrap.v1.BootstrapGateway',
  'massa.bootstrap.v1.HistoryStore',
  'grpc.health.v1.Health',
];

const ERROR_DETAIL_TYPES = [
  'massa.bootstrap.v1.SlotTooOld',
  'massa.bootstrap.v1.SlotInFuture',
  'massa.bootstrap.v1.SlotRejected',
  'google.rpc.ErrorInfo',
  'google.rpc.RetryInfo',
  'google.rpc.BadRequest',
  'google.rpc.PreconditionFailure',
  'google.rpc.QuotaFailure',
  'google.rpc.Status',
  'google.protobuf.Any',
  'google.protobuf.Duration',
  'google.protobuf.Empty',
];

/** protoc's map entry name: field `quota_dimensions` → `QuotaDimensionsEntry`. */
function mapEntryName(fieldName: string): string {
  return (
    fieldName
      .split('_')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('') + 'Entry'
  );
}

describe('server reflection, read as grpcurl does', () => {
  let server: StartedServer;
  let client: reflectionV1.ServerReflectionClient;
  let session: ReflectionSession;
  /** Every FileDescriptorProto the server sent, by file name: all the test knows. */
  const files = new Map<string, FileDescriptorProto>();

  async function fileContainingSymbol(symbol: string): Promise<string> {
    const response = await session.ask({ $case: 'fileContainingSymbol', value: symbol });
    if (response.messageResponse?.$case !== 'fileDescriptorResponse') {
      throw new Error(`${symbol}: ${JSON.stringify(response.messageResponse)}`);
    }
    const protos = response.messageResponse.value.fileDescriptorProto.map((b) =>
      fromBinary(FileDescriptorProtoSchema, b),
    );
    for (const proto of protos) if (!files.has(proto.name)) files.set(proto.name, proto);
    return protos[0]!.name;
  }

  /** A registry of one served file; throws if any transitive import was not served. */
  function registryOf(fileName: string): FileRegistry {
    return createFileRegistry(files.get(fileName)!, (name) => files.get(name));
  }

  /** Visits a message and every message/enum its fields reach; returns the type names seen. */
  function reach(message: DescMessage, seen = new Set<string>()): Set<string> {
    if (seen.has(message.typeName)) return seen;
    seen.add(message.typeName);
    for (const field of message.fields) {
      const target =
        field.fieldKind === 'map'
          ? field.mapKind === 'message'
            ? field.message
            : undefined
          : field.message;
      if (target) reach(target, seen);
      const en =
        field.fieldKind === 'map'
          ? field.mapKind === 'enum'
            ? field.enum
            : undefined
          : field.enum;
      if (en) seen.add(en.typeName);
    }
    return seen;
  }

  beforeAll(async () => {
    server = await startGrpcServer((s: Server) => {
      addToyGateway(s, { status: sampleStatus(), parts: [], slots: [] });
      s.addService(HistoryStoreService, {}); // every method UNIMPLEMENTED: only its schema matters here
      addHealthService(s);
      addReflectionService(s, { services: SERVICES });
    });
    client = new reflectionV1.ServerReflectionClient(server.address, credentials.createInsecure());
    session = new ReflectionSession(client.serverReflectionInfo());
  });
  afterAll(async () => {
    await session.end();
    closeClient(client);
    await server.close();
  });

  it('lists the services and the reflection services themselves', async () => {
    const response = await session.ask({ $case: 'listServices', value: '' });
    expect(response.messageResponse?.$case).toBe('listServicesResponse');
    const names =
      response.messageResponse?.$case === 'listServicesResponse'
        ? response.messageResponse.value.service.map((s) => s.name)
        : [];
    expect(names.sort()).toEqual(
      [
        ...SERVICES,
        'grpc.reflection.v1.ServerReflection',
        'grpc.reflection.v1alpha.ServerReflection',
      ].sort(),
    );
  });

  it('resolves every listed service, method and request/response type through all imports', async () => {
    const response = await session.ask({ $case: 'listServices', value: '' });
    const names =
      response.messageResponse?.$case === 'listServicesResponse'
        ? response.messageResponse.value.service.map((s) => s.name)
        : [];
    for (const name of names) {
      const fileName = await fileContainingSymbol(name);
      const registry = registryOf(fileName);
      const service = registry.getService(name);
      expect(service?.typeName).toBe(name);
      expect(service!.methods.length).toBeGreaterThan(0);
      for (const method of service!.methods) {
        // grpcurl asks by method name too.
        expect(await fileContainingSymbol(`${name}.${method.name}`)).toBe(fileName);
        for (const type of [method.input, method.output]) {
          expect(registry.getMessage(type.typeName)).toBe(type);
          const declaring = await fileContainingSymbol(type.typeName);
          expect(registryOf(declaring).getMessage(type.typeName)?.typeName).toBe(type.typeName);
          for (const reached of reach(type))
            expect(await fileContainingSymbol(reached)).toBeDefined();
        }
      }
    }
    expect(files.has('massa/bootstrap/v1/gateway.proto')).toBe(true);
    expect(files.has('massa/bootstrap/v1/types.proto')).toBe(true);
    expect(files.has('google/protobuf/empty.proto')).toBe(true);
  });

  it('resolves every error-detail type, transitively (as grpcurl decodes Any in trailers)', async () => {
    for (const typeName of ERROR_DETAIL_TYPES) {
      const fileName = await fileContainingSymbol(typeName);
      const message = registryOf(fileName).getMessage(typeName);
      expect(message?.typeName).toBe(typeName);
      for (const reached of reach(message!)) {
        expect(registryOf(await fileContainingSymbol(reached)).get(reached)).toBeDefined();
      }
    }
    // Status → Any, ErrorInfo/RetryInfo → Duration, SlotTooOld → Slot: imports came along.
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        'google/rpc/status.proto',
        'google/protobuf/any.proto',
        'google/rpc/error_details.proto',
        'google/protobuf/duration.proto',
        'massa/bootstrap/v1/errors.proto',
        'massa/bootstrap/v1/types.proto',
      ]),
    );
  });

  it('map fields resolve to nested <Field>Entry types with the map_entry option', async () => {
    const expected = [
      ['google.rpc.ErrorInfo', 'metadata', 'MetadataEntry'],
      ['google.rpc.QuotaFailure.Violation', 'quota_dimensions', 'QuotaDimensionsEntry'],
      ['grpc.health.v1.HealthListResponse', 'statuses', 'StatusesEntry'],
    ] as const;
    for (const [typeName, fieldName, entryName] of expected) {
      const registry = registryOf(await fileContainingSymbol(typeName));
      const field = registry.getMessage(typeName)?.fields.find((f) => f.name === fieldName);
      expect(field?.fieldKind).toBe('map');
      expect(field?.proto.typeName).toBe(`.${typeName}.${entryName}`);
      expect(await fileContainingSymbol(`${typeName}.${entryName}`)).toBeDefined();
    }
    // And every map entry in every served file follows the rule.
    let entries = 0;
    const visit = (scope: string, messages: FileDescriptorProto['messageType']): void => {
      for (const message of messages) {
        const name = `${scope}.${message.name}`;
        for (const nested of message.nestedType) {
          if (!nested.options?.mapEntry) continue;
          entries += 1;
          const owner = message.field.find((f) => f.typeName === `${name}.${nested.name}`);
          expect(owner).toBeDefined();
          expect(nested.name).toBe(mapEntryName(owner!.name));
        }
        visit(name, message.nestedType);
      }
    };
    for (const file of files.values())
      visit(file.package ? `.${file.package}` : '', file.messageType);
    expect(entries).toBeGreaterThanOrEqual(3);
  });

  it('finds nested symbols: fields, enums, enum values, methods', async () => {
    expect(await fileContainingSymbol('massa.bootstrap.v1.Slot.period')).toBe(
      'massa/bootstrap/v1/types.proto',
    );
    expect(await fileContainingSymbol('massa.bootstrap.v1.KeyChange.change')).toBe(
      'massa/bootstrap/v1/types.proto',
    );
    expect(await fileContainingSymbol('grpc.health.v1.HealthCheckResponse.ServingStatus')).toBe(
      'health/v1/health.proto',
    );
    expect(await fileContainingSymbol('grpc.health.v1.HealthCheckResponse.SERVING')).toBe(
      'health/v1/health.proto',
    );
    expect(await fileContainingSymbol('grpc.health.v1.Health.Watch')).toBe(
      'health/v1/health.proto',
    );
  });

  it('answers file_by_filename with the file and its imports', async () => {
    const response = await session.ask({
      $case: 'fileByFilename',
      value: 'google/rpc/status.proto',
    });
    expect(response.messageResponse?.$case).toBe('fileDescriptorResponse');
    if (response.messageResponse?.$case !== 'fileDescriptorResponse') return;
    const names = response.messageResponse.value.fileDescriptorProto.map(
      (b) => fromBinary(FileDescriptorProtoSchema, b).name,
    );
    expect(names).toEqual(['google/rpc/status.proto', 'google/protobuf/any.proto']);
  });

  it('answers NOT_FOUND for unknown symbols, files and extensions; no extensions of a known type', async () => {
    for (const messageRequest of [
      { $case: 'fileContainingSymbol', value: 'massa.bootstrap.v1.NoSuchThing' },
      { $case: 'fileByFilename', value: 'nope.proto' },
      {
        $case: 'fileContainingExtension',
        value: { containingType: 'massa.bootstrap.v1.Slot', extensionNumber: 100 },
      },
      { $case: 'allExtensionNumbersOfType', value: 'massa.bootstrap.v1.NoSuchThing' },
    ] as const) {
      const response = await session.ask(messageRequest);
      expect(response.messageResponse).toEqual({
        $case: 'errorResponse',
        value: { errorCode: status.NOT_FOUND, errorMessage: expect.stringContaining('not found') },
      });
      expect(response.originalRequest?.messageRequest).toEqual(messageRequest);
    }
    const numbers = await session.ask({
      $case: 'allExtensionNumbersOfType',
      value: 'massa.bootstrap.v1.Slot',
    });
    expect(numbers.messageResponse).toEqual({
      $case: 'allExtensionNumbersResponse',
      value: { baseTypeName: 'massa.bootstrap.v1.Slot', extensionNumber: [] },
    });
  });

  it('serves v1alpha too', async () => {
    const alpha = new reflectionV1alpha.ServerReflectionClient(
      server.address,
      credentials.createInsecure(),
    );
    const alphaSession = new ReflectionSession(alpha.serverReflectionInfo());
    try {
      const list = await alphaSession.ask({ $case: 'listServices', value: '*' });
      expect(list.messageResponse?.$case).toBe('listServicesResponse');
      const file = await alphaSession.ask({
        $case: 'fileContainingSymbol',
        value: 'google.rpc.ErrorInfo',
      });
      expect(file.messageResponse?.$case).toBe('fileDescriptorResponse');
      if (file.messageResponse?.$case !== 'fileDescriptorResponse') return;
      const protos = file.messageResponse.value.fileDescriptorProto.map((b) =>
        fromBinary(FileDescriptorProtoSchema, b),
      );
      expect(protos.map((p) => p.name)).toEqual([
        'google/rpc/error_details.proto',
        'google/protobuf/duration.proto',
      ]);
    } finally {
      await alphaSession.end();
      closeClient(alpha);
    }
  });

  it('refuses to start when a listed service is not in the descriptor set', () => {
    expect(() =>
      addReflectionService(new Server(), { services: ['massa.bootstrap.v1.Nope'] }),
    ).toThrow(/massa\.bootstrap\.v1\.Nope is not in the descriptor set/);
  });
});
