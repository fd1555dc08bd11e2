// The one table of wire message types: numeric type id (uint16) <-> generated schema, and which
// reply type answers each request type. docs/protocol.md lists the same ids for other languages.
// Ids are stable: never renumber or reuse one. Ranges leave room for later components:
//   1-15 session · 100-199 events · 200-399 cluster · 400-599 databases · 600-699 ip · 700-709 tickle
import type { DescMessage } from '@bufbuild/protobuf'
import { EchoSchema, ErrorReplySchema, HelloSchema, PingSchema, PongSchema } from './gen/corral/v1/common_pb.js'
import {
  EventRunReplySchema, EventRunRequestSchema, EventStatusReplySchema, EventStatusRequestSchema,
  ScriptListReplySchema, ScriptListRequestSchema, ScriptSetReplySchema, ScriptSetRequestSchema,
} from './gen/corral/v1/events_pb.js'
import {
  AdminReplySchema, AdminRequestSchema, HeartbeatAckSchema, HeartbeatSchema, NodeAuthConfirmSchema, NodeAuthOkSchema,
  NodeAuthReplySchema, NodeAuthSchema, RecoveryReplySchema, RecoveryRequestSchema, StatusReplySchema, StatusRequestSchema,
  TunableReplySchema, TunableRequestSchema, ForwardRequestSchema, ForwardReplySchema,
} from './gen/corral/v1/cluster_pb.js'
import {
  IpAdminReplySchema, IpAdminRequestSchema, IpListReplySchema, IpListRequestSchema, IpSettingsReplySchema, IpSettingsRequestSchema,
  IpStepReplySchema, IpStepRequestSchema, TakeoverRunReplySchema, TakeoverRunRequestSchema,
} from './gen/corral/v1/ip_pb.js'
import {
  DbAttachRequestSchema, DbAttachReplySchema, DbDetachRequestSchema, DbDetachReplySchema, DbMapRequestSchema, DbMapReplySchema, DbFetchRequestSchema, DbFetchReplySchema, DbWriteRequestSchema, DbWriteReplySchema, DbTraverseRequestSchema, DbRecordBatchSchema, DbAdminRequestSchema, DbAdminReplySchema, DbLockRequestSchema, DbLockReplySchema, DbOpenRequestSchema, DbOpenReplySchema, DbCommitRequestSchema, DbCommitReplySchema, DbMigrateRequestSchema, DbMigrateReplySchema, DbVacuumRequestSchema, DbVacuumReplySchema, RecDbRequestSchema, RecDbReplySchema, RecPullRequestSchema, RecPushRequestSchema, RecPushReplySchema,
} from './gen/corral/v1/database_pb.js'
import { NotificationSchema, WatchRequestSchema } from './gen/corral/v1/notify_pb.js'
import { ConfigDigestReplySchema, ConfigDigestRequestSchema, StatisticsReplySchema, StatisticsRequestSchema } from './gen/corral/v1/stats_pb.js'
import {
  TickleListReplySchema, TickleListRequestSchema, TickleSetReplySchema, TickleSetRequestSchema, TickleUpdateReplySchema, TickleUpdateRequestSchema,
} from './gen/corral/v1/tickle_pb.js'

/** Type id ranges reserved per area (inclusive). */
export const TYPE_RANGES = {
  session: [1, 15],
  events: [100, 199],
  cluster: [200, 399],
  databases: [400, 599],
  ip: [600, 699],
  tickle: [700, 709],
} as const

/** Message type ids as they appear in the frame header. */
export const MessageType = {
  Hello: 1,
  ErrorReply: 2,
  Ping: 3,
  Pong: 4,
  Echo: 5,
  EventRunRequest: 100,
  EventRunReply: 101,
  EventStatusRequest: 102,
  EventStatusReply: 103,
  ScriptListRequest: 104,
  ScriptListReply: 105,
  ScriptSetRequest: 106,
  ScriptSetReply: 107,
  NodeAuth: 200,
  NodeAuthReply: 201,
  NodeAuthConfirm: 202,
  NodeAuthOk: 203,
  Heartbeat: 204,
  HeartbeatAck: 205,
  RecoveryRequest: 206,
  RecoveryReply: 207,
  StatusRequest: 220,
  StatusReply: 221,
  AdminRequest: 222,
  AdminReply: 223,
  TunableRequest: 224,
  TunableReply: 225,
  ForwardRequest: 226,
  ForwardReply: 227,
  WatchRequest: 240,
  Notification: 241,
  StatisticsRequest: 250,
  StatisticsReply: 251,
  ConfigDigestRequest: 252,
  ConfigDigestReply: 253,
  IpListRequest: 600,
  IpListReply: 601,
  IpStepRequest: 602,
  IpStepReply: 603,
  TakeoverRunRequest: 604,
  TakeoverRunReply: 605,
  IpAdminRequest: 606,
  IpAdminReply: 607,
  IpSettingsRequest: 608,
  IpSettingsReply: 609,
  TickleListRequest: 700,
  TickleListReply: 701,
  TickleUpdateRequest: 702,
  TickleUpdateReply: 703,
  TickleSetRequest: 704,
  TickleSetReply: 705,
  DbAttachRequest: 400,
  DbAttachReply: 401,
  DbDetachRequest: 402,
  DbDetachReply: 403,
  DbMapRequest: 404,
  DbMapReply: 405,
  DbFetchRequest: 406,
  DbFetchReply: 407,
  DbWriteRequest: 408,
  DbWriteReply: 409,
  DbTraverseRequest: 410,
  DbRecordBatch: 411,
  DbAdminRequest: 412,
  DbAdminReply: 413,
  DbLockRequest: 414,
  DbLockReply: 415,
  DbOpenRequest: 416,
  DbOpenReply: 417,
  DbCommitRequest: 420,
  DbCommitReply: 421,
  DbMigrateRequest: 422,
  DbMigrateReply: 423,
  DbVacuumRequest: 424,
  DbVacuumReply: 425,
  RecDbRequest: 430,
  RecDbReply: 431,
  RecPullRequest: 432,
  RecPushRequest: 434,
  RecPushReply: 435,
} as const

// One request/reply pair; `as const` keeps the schema types so ReplyOf<> can look them up.
function rpc<Req extends DescMessage, Rep extends DescMessage> (request: Req, reply: Rep): { readonly request: Req, readonly reply: Rep } {
  return { request, reply }
}

/** Every request type with the reply type that answers it (a reply may come as a stream of them). */
export const RPCS = [
  rpc(PingSchema, PongSchema),
  rpc(EchoSchema, EchoSchema),
  rpc(EventRunRequestSchema, EventRunReplySchema),
  rpc(EventStatusRequestSchema, EventStatusReplySchema),
  rpc(ScriptListRequestSchema, ScriptListReplySchema),
  rpc(ScriptSetRequestSchema, ScriptSetReplySchema),
  rpc(NodeAuthSchema, NodeAuthReplySchema),
  rpc(NodeAuthConfirmSchema, NodeAuthOkSchema),
  rpc(HeartbeatSchema, HeartbeatAckSchema),
  rpc(RecoveryRequestSchema, RecoveryReplySchema),
  rpc(StatusRequestSchema, StatusReplySchema),
  rpc(AdminRequestSchema, AdminReplySchema),
  rpc(TunableRequestSchema, TunableReplySchema),
  rpc(ForwardRequestSchema, ForwardReplySchema),
  rpc(WatchRequestSchema, NotificationSchema),
  rpc(StatisticsRequestSchema, StatisticsReplySchema),
  rpc(ConfigDigestRequestSchema, ConfigDigestReplySchema),
  rpc(IpListRequestSchema, IpListReplySchema),
  rpc(IpStepRequestSchema, IpStepReplySchema),
  rpc(TakeoverRunRequestSchema, TakeoverRunReplySchema),
  rpc(IpAdminRequestSchema, IpAdminReplySchema),
  rpc(IpSettingsRequestSchema, IpSettingsReplySchema),
  rpc(TickleListRequestSchema, TickleListReplySchema),
  rpc(TickleUpdateRequestSchema, TickleUpdateReplySchema),
  rpc(TickleSetRequestSchema, TickleSetReplySchema),
  rpc(DbAttachRequestSchema, DbAttachReplySchema),
  rpc(DbDetachRequestSchema, DbDetachReplySchema),
  rpc(DbMapRequestSchema, DbMapReplySchema),
  rpc(DbFetchRequestSchema, DbFetchReplySchema),
  rpc(DbWriteRequestSchema, DbWriteReplySchema),
  rpc(DbTraverseRequestSchema, DbRecordBatchSchema),
  rpc(DbAdminRequestSchema, DbAdminReplySchema),
  rpc(DbLockRequestSchema, DbLockReplySchema),
  rpc(DbOpenRequestSchema, DbOpenReplySchema),
  rpc(DbCommitRequestSchema, DbCommitReplySchema),
  rpc(DbMigrateRequestSchema, DbMigrateReplySchema),
  rpc(DbVacuumRequestSchema, DbVacuumReplySchema),
  rpc(RecDbRequestSchema, RecDbReplySchema),
  rpc(RecPullRequestSchema, DbRecordBatchSchema),
  rpc(RecPushRequestSchema, RecPushReplySchema),
] as const

type Rpc = typeof RPCS[number]
/** A schema that may be sent as a request. */
export type RequestSchema = Rpc['request']
/** The reply schema paired with request schema R. */
export type ReplyOf<R extends RequestSchema> = Extract<Rpc, { request: R }>['reply']

const SCHEMAS: ReadonlyArray<readonly [number, DescMessage]> = [
  [MessageType.Hello, HelloSchema],
  [MessageType.ErrorReply, ErrorReplySchema],
  [MessageType.Ping, PingSchema],
  [MessageType.Pong, PongSchema],
  [MessageType.Echo, EchoSchema],
  [MessageType.EventRunRequest, EventRunRequestSchema],
  [MessageType.EventRunReply, EventRunReplySchema],
  [MessageType.EventStatusRequest, EventStatusRequestSchema],
  [MessageType.EventStatusReply, EventStatusReplySchema],
  [MessageType.ScriptListRequest, ScriptListRequestSchema],
  [MessageType.ScriptListReply, ScriptListReplySchema],
  [MessageType.ScriptSetRequest, ScriptSetRequestSchema],
  [MessageType.ScriptSetReply, ScriptSetReplySchema],
  [MessageType.NodeAuth, NodeAuthSchema],
  [MessageType.NodeAuthReply, NodeAuthReplySchema],
  [MessageType.NodeAuthConfirm, NodeAuthConfirmSchema],
  [MessageType.NodeAuthOk, NodeAuthOkSchema],
  [MessageType.Heartbeat, HeartbeatSchema],
  [MessageType.HeartbeatAck, HeartbeatAckSchema],
  [MessageType.RecoveryRequest, RecoveryRequestSchema],
  [MessageType.RecoveryReply, RecoveryReplySchema],
  [MessageType.StatusRequest, StatusRequestSchema],
  [MessageType.StatusReply, StatusReplySchema],
  [MessageType.AdminRequest, AdminRequestSchema],
  [MessageType.AdminReply, AdminReplySchema],
  [MessageType.TunableRequest, TunableRequestSchema],
  [MessageType.TunableReply, TunableReplySchema],
  [MessageType.ForwardRequest, ForwardRequestSchema],
  [MessageType.ForwardReply, ForwardReplySchema],
  [MessageType.WatchRequest, WatchRequestSchema],
  [MessageType.Notification, NotificationSchema],
  [MessageType.StatisticsRequest, StatisticsRequestSchema],
  [MessageType.StatisticsReply, StatisticsReplySchema],
  [MessageType.ConfigDigestRequest, ConfigDigestRequestSchema],
  [MessageType.ConfigDigestReply, ConfigDigestReplySchema],
  [MessageType.IpListRequest, IpListRequestSchema],
  [MessageType.IpListReply, IpListReplySchema],
  [MessageType.IpStepRequest, IpStepRequestSchema],
  [MessageType.IpStepReply, IpStepReplySchema],
  [MessageType.TakeoverRunRequest, TakeoverRunRequestSchema],
  [MessageType.TakeoverRunReply, TakeoverRunReplySchema],
  [MessageType.IpAdminRequest, IpAdminRequestSchema],
  [MessageType.IpAdminReply, IpAdminReplySchema],
  [MessageType.IpSettingsRequest, IpSettingsRequestSchema],
  [MessageType.IpSettingsReply, IpSettingsReplySchema],
  [MessageType.TickleListRequest, TickleListRequestSchema],
  [MessageType.TickleListReply, TickleListReplySchema],
  [MessageType.TickleUpdateRequest, TickleUpdateRequestSchema],
  [MessageType.TickleUpdateReply, TickleUpdateReplySchema],
  [MessageType.TickleSetRequest, TickleSetRequestSchema],
  [MessageType.TickleSetReply, TickleSetReplySchema],
  [MessageType.DbAttachRequest, DbAttachRequestSchema],
  [MessageType.DbAttachReply, DbAttachReplySchema],
  [MessageType.DbDetachRequest, DbDetachRequestSchema],
  [MessageType.DbDetachReply, DbDetachReplySchema],
  [MessageType.DbMapRequest, DbMapRequestSchema],
  [MessageType.DbMapReply, DbMapReplySchema],
  [MessageType.DbFetchRequest, DbFetchRequestSchema],
  [MessageType.DbFetchReply, DbFetchReplySchema],
  [MessageType.DbWriteRequest, DbWriteRequestSchema],
  [MessageType.DbWriteReply, DbWriteReplySchema],
  [MessageType.DbTraverseRequest, DbTraverseRequestSchema],
  [MessageType.DbRecordBatch, DbRecordBatchSchema],
  [MessageType.DbAdminRequest, DbAdminRequestSchema],
  [MessageType.DbAdminReply, DbAdminReplySchema],
  [MessageType.DbLockRequest, DbLockRequestSchema],
  [MessageType.DbLockReply, DbLockReplySchema],
  [MessageType.DbOpenRequest, DbOpenRequestSchema],
  [MessageType.DbOpenReply, DbOpenReplySchema],
  [MessageType.DbCommitRequest, DbCommitRequestSchema],
  [MessageType.DbCommitReply, DbCommitReplySchema],
  [MessageType.DbMigrateRequest, DbMigrateRequestSchema],
  [MessageType.DbMigrateReply, DbMigrateReplySchema],
  [MessageType.DbVacuumRequest, DbVacuumRequestSchema],
  [MessageType.DbVacuumReply, DbVacuumReplySchema],
  [MessageType.RecDbRequest, RecDbRequestSchema],
  [MessageType.RecDbReply, RecDbReplySchema],
  [MessageType.RecPullRequest, RecPullRequestSchema],
  [MessageType.RecPushRequest, RecPushRequestSchema],
  [MessageType.RecPushReply, RecPushReplySchema],
]

const byType = new Map<number, DescMessage>()
const byName = new Map<string, number>()
for (const [type, schema] of SCHEMAS) {
  if (byType.has(type) || byName.has(schema.typeName)) throw new Error(`protocol registry: duplicate entry ${type} ${schema.typeName}`)
  byType.set(type, schema)
  byName.set(schema.typeName, type)
}
const replyByRequest = new Map<string, DescMessage>(RPCS.map(r => [r.request.typeName, r.reply]))

// Why: the decoder turns a header's type id into the schema that parses the body.
export function schemaForType (type: number): DescMessage | undefined {
  return byType.get(type)
}

// Why: the encoder needs the wire id of a message it is about to send.
export function typeOfSchema (schema: DescMessage): number | undefined {
  return byName.get(schema.typeName)
}

// Why: a connection checks a reply's type against the request it answers.
export function replySchemaFor (request: DescMessage): DescMessage | undefined {
  return replyByRequest.get(request.typeName)
}

// Why: tests and docs walk the whole table to check ranges and pairing.
export function allMessageTypes (): ReadonlyArray<readonly [number, DescMessage]> {
  return SCHEMAS
}
