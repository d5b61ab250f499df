import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import {
  FileDescriptorProtoSchema,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';

interface IndexedFile {
  /** The file exactly as it appears in the descriptor set (no re-encoding). */
  readonly bytes: Buffer;
  readonly proto: FileDescriptorProto;
}

/**
 * Index of a compiled FileDescriptorSet (`buf build`) for server reflection: files by name with
 * their exact serialized bytes, every symbol (services, methods, messages incl. nested, fields,
 * oneofs, enums, enum values, extensions) → declaring file, and extensions by extendee.
 */
export class DescriptorIndex {
  private readonly files = new Map<string, IndexedFile>();
  private readonly symbols = new Map<string, string>();
  private readonly services = new Set<string>();
  private readonly messages = new Set<string>();
  private readonly extensions = new Map<string, Map<number, string>>();

  /**
   * Parses an encoded FileDescriptorSet (several concatenated sets parse as one; a file name
   * seen twice keeps its first copy). Throws when a file imports one the set lacks, so that a
   * set built without imports fails at start-up rather than in `grpcurl`.
   */
  constructor(descriptorSet: Uint8Array) {
    const reader = new BinaryReader(descriptorSet);
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      if (fieldNo !== 1 || wireType !== WireType.LengthDelimited) {
        reader.skip(wireType, fieldNo);
        continue;
      }
      // Keep the file's own bytes: serving them unchanged is what makes reflection exact.
      const bytes = Buffer.from(reader.bytes());
      const proto = fromBinary(FileDescriptorProtoSchema, bytes);
      if (this.files.has(proto.name)) continue;
      this.files.set(proto.name, { bytes, proto });
      this.indexFile(proto);
    }
    for (const { proto } of this.files.values()) {
      for (const dep of proto.dependency) {
        if (!this.files.has(dep)) {
          throw new Error(
            `descriptor set lacks ${dep}, imported by ${proto.name} (build it with imports)`,
          );
        }
      }
    }
  }

  /** Names of every file in the set. */
  fileNames(): string[] {
    return [...this.files.keys()];
  }

  /** True when the set declares the fully-qualified service `name`. */
  hasService(name: string): boolean {
    return this.services.has(name);
  }

  /** The file declaring the fully-qualified `symbol`, or undefined. */
  fileOfSymbol(symbol: string): string | undefined {
    return this.symbols.get(symbol.startsWith('.') ? symbol.slice(1) : symbol);
  }

  /** The file declaring extension `fieldNumber` of message `typeName`, or undefined. */
  fileOfExtension(typeName: string, fieldNumber: number): string | undefined {
    return this.extensions.get(typeName)?.get(fieldNumber);
  }

  /**
   * Field numbers of the known extensions of message `typeName` (often none); undefined when
   * the set neither declares nor extends that message.
   */
  extensionNumbers(typeName: string): number[] | undefined {
    const byNumber = this.extensions.get(typeName);
    if (byNumber) return [...byNumber.keys()].sort((a, b) => a - b);
    return this.messages.has(typeName) ? [] : undefined;
  }

  /**
   * The serialized file `name` followed by all its transitive dependencies (each once), or
   * undefined when the set has no such file.
   */
  fileWithDependencies(name: string): Buffer[] | undefined {
    if (!this.files.has(name)) return undefined;
    const out: Buffer[] = [];
    const seen = new Set<string>();
    const visit = (fileName: string): void => {
      const file = this.files.get(fileName);
      if (!file || seen.has(fileName)) return; // every import is present (checked on load)
      seen.add(fileName);
      out.push(file.bytes);
      for (const dep of file.proto.dependency) visit(dep);
    };
    visit(name);
    return out;
  }

  private add(symbol: string, fileName: string): void {
    if (!this.symbols.has(symbol)) this.symbols.set(symbol, fileName);
  }

  private indexFile(file: FileDescriptorProto): void {
    const scope = file.package ? `${file.package}.` : '';
    for (const message of file.messageType) this.indexMessage(message, scope, file.name);
    for (const enumType of file.enumType) this.indexEnum(enumType, scope, file.name);
    for (const ext of file.extension) this.indexExtension(ext, scope, file.name);
    for (const service of file.service) {
      const serviceName = scope + service.name;
      this.services.add(serviceName);
      this.add(serviceName, file.name);
      for (const method of service.method) this.add(`${serviceName}.${method.name}`, file.name);
    }
  }

  private indexMessage(message: DescriptorProto, scope: string, fileName: string): void {
    const name = scope + message.name;
    this.add(name, fileName);
    this.messages.add(name);
    for (const field of message.field) this.add(`${name}.${field.name}`, fileName);
    for (const oneof of message.oneofDecl) this.add(`${name}.${oneof.name}`, fileName);
    for (const nested of message.nestedType) this.indexMessage(nested, `${name}.`, fileName);
    for (const enumType of message.enumType) this.indexEnum(enumType, `${name}.`, fileName);
    for (const ext of message.extension) this.indexExtension(ext, `${name}.`, fileName);
  }

  private indexEnum(enumType: EnumDescriptorProto, scope: string, fileName: string): void {
    this.add(scope + enumType.name, fileName);
    // As in protoc, enum values are scoped beside their enum, not inside it.
    for (const value of enumType.value) this.add(scope + value.name, fileName);
  }

  private indexExtension(ext: FieldDescriptorProto, scope: string, fileName: string): void {
    this.add(scope + ext.name, fileName);
    const extendee = ext.extendee.startsWith('.') ? ext.extendee.slice(1) : ext.extendee;
    let byNumber = this.extensions.get(extendee);
    if (!byNumber) {
      byNumber = new Map();
      this.extensions.set(extendee, byNumber);
    }
    if (!byNumber.has(ext.number)) byNumber.set(ext.number, fileName);
  }
}
