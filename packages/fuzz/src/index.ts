// The public API of @wamp/fuzz, named export by export (no `export *`).

// --- values and message arbitraries ---
export {
  argsArb,
  badUriArb,
  doubleArb,
  idArb,
  keyArb,
  kwargsArb,
  outOfRangeIdArb,
  stringValueArb,
  uriArb,
  uriComponentArb,
  valueArb,
  wampEqual,
  wildcardPatternArb,
  type ValueOptions,
} from './values.js';
export {
  ALL_MESSAGE_TYPES,
  CLIENT_TO_ROUTER,
  ROUTER_TO_CLIENT,
  anyMessageArb,
  messageArb,
  unknownOptionsArb,
  type MessageArbOptions,
} from './arbitraries.js';

// --- near-valid mutants and byte-level mutations ---
export {
  SHAPES,
  STRICT_KINDS,
  mutantArb,
  optionMutantArb,
  oversize,
  type Mutant,
  type MutantKind,
  type Reaction,
} from './mutants.js';
export {
  applyByteMutation,
  applyByteMutations,
  byteMutationArb,
  byteMutationsArb,
  concat,
  describeByteMutation,
  frameBytes,
  type ByteMutation,
} from './bytes.js';
export {
  RAWSOCKET_MAGIC,
  RawFrameType,
  RawSocketReader,
  frame,
  framingCaseArb,
  handshake,
  parseHandshakeReply,
  type FramingCase,
  type FramingReaction,
  type HandshakeReply,
  type RawFrame,
} from './rawsocket.js';

// --- drivers ---
export type { ConnectionSink, Driver, DriverConnection, DriverFactory, RawStream, RawStreamEvents } from './driver.js';
export { MemoryDriver, type MemoryDriverOptions } from './drivers/memory.js';
export { WebSocketDriver, type WebSocketDriverOptions } from './drivers/websocket.js';
export { RawSocketDriver, type RawSocketDriverOptions } from './drivers/rawsocket.js';

// --- model, harness and commands ---
export {
  Harness,
  InvariantViolation,
  show,
  showMessage,
  type Expectation,
  type HarnessOptions,
  type Inbound,
  type Rule,
  type Verdict,
} from './harness.js';
export {
  HELLO_DETAILS,
  featuresOf,
  newModel,
  type CallModel,
  type CallState,
  type FuzzModel,
  type InvokePolicy,
  type ModelConfig,
  type RegModel,
  type RouterFeatures,
  type SlotState,
  type SubModel,
} from './model.js';
export {
  ALL_COMMAND_KINDS,
  Call,
  Cancel,
  Disconnect,
  ErrorReply,
  Join,
  Leave,
  Malformed,
  NonSequentialId,
  PreJoin,
  Publish,
  Register,
  Subscribe,
  Unregister,
  Unsubscribe,
  WrongState,
  Yield,
  commandArbs,
  type CommandKind,
  type CommandOptions,
  type FuzzCommand,
} from './commands.js';

// --- suites and report ---
export {
  ALL_CASE_KINDS,
  describeCase,
  malformedCaseArb,
  runMalformedSuite,
  runModelSuite,
  type CaseKind,
  type CaseOptions,
  type Finding,
  type MalformedCase,
  type MalformedSuiteOptions,
  type ModelSuiteOptions,
  type SuiteOptions,
  type SuiteResult,
} from './suite.js';
export {
  driverForUrl,
  formatReport,
  formatSuiteResult,
  fuzz,
  serializerNamed,
  type FormatOptions,
  type FuzzOptions,
  type FuzzReport,
} from './report.js';
export { USAGE, main, parseArgs, type CliIo } from './main.js';
