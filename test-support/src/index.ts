/**
 * Test helpers shared by every package's tests: temp dirs, a real grpc-js server on
 * 127.0.0.1:0, and stream collection. Never imported by production code.
 */
export { makeTempDir } from './temp-dir';
export type { TempDir } from './temp-dir';
export { closeClient, collectStream, startGrpcServer } from './grpc';
export type { CollectedStream, StartedServer } from './grpc';
export { startFakeGateway, asTestGateway } from './fake-gateway';
export type { FakeGatewayHandlers, TestGateway } from './fake-gateway';
export { startProxyGateway, flipOneValueByte } from './proxy-gateway';
export type { ProxyGateway, ProxyHooks } from './proxy-gateway';
export { StateWorkload } from './state-workload';
export type { SlotMix, StateWorkloadOptions } from './state-workload';
export { BootstrapAssembler, replayState, stateDifference } from './bootstrap-assembler';
export { freePorts, isProcessAlive, parseJsonLine, runProcess } from './processes';
export type { OutputLine, ProcessExit, RunningProcess } from './processes';
export { FAST_RECONNECT, waitForServing } from './health';
export { makeTestPki } from './test-pki';
export type { TestPki } from './test-pki';
export { startGatewayProcess, startHistoryStoreProcess } from './service-process';
export type {
  GatewayProcessOptions,
  HistoryStoreProcessOptions,
  ServiceProcess,
  ServiceProcessOptions,
} from './service-process';
export { readProcessMemory } from './process-memory';
export type { ProcessMemory } from './process-memory';
export { RawGrpcConnection, grpcFrame } from './raw-grpc';
export type { GrpcFrameOptions, RawGrpcCallOptions, RawGrpcOutcome } from './raw-grpc';
export { readStoreSnapshot, storeStatus } from './store-snapshot';
export type { StoreSnapshot } from './store-snapshot';
export { appendSlot, ingestSlots } from './store-calls';
export { startFakeHistoryStore } from './fake-history-store';
export type { FakeHistoryStore, FakeHistoryStoreHandlers } from './fake-history-store';
export { pick, randomBytes, randomInt, seededRandom, sleep } from './random';
