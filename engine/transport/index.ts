// Public API of the transport: framed protocol connections, the control server and client.
export { connectControl, type ConnectOptions } from './client.js'
export {
  Connection, openConnection,
  type ConnectionEvents, type ConnectionOptions, type ConnectionStats, type RequestOptions, type WarnLog,
} from './connection.js'
export { createControlServer, type ControlServer, type ControlServerEvents, type ControlServerOptions, type ControlServerStats } from './server.js'
export { echoHandler, pingHandler } from './builtins.js'
export { handle, type Handler, type HandlerContext, type HandlerEntry, type HandlerResult, type PeerInfo } from './handlers.js'
export { encodeFrame, FrameDecoder, FrameFlags, HEADER_BYTES, type Frame } from './frame.js'
export { runRecordFromProto, runRecordToProto, scriptInfoFromProto, scriptInfoToProto, scriptResultFromProto, scriptResultToProto } from './events-mapping.js'
export { MessageType, type ReplyOf, type RequestSchema } from '../../protocol/registry.js'
