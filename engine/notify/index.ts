// Public API of notifications: the log, what feeds it, the notification script and the handlers.
export { NotificationLog, type Notification, type NotificationLogOptions, type Replay } from './log.js'
export { NotificationScript, NOTIFICATION_STATES, type NotificationState, type ScriptRun } from './script.js'
export { feedFromNode, lifecycleState, daemonState, NOTIFICATION_TYPES } from './feed.js'
export { notifyHandlers } from './handlers.js'
