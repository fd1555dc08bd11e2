// Public API of the daemon's statistics (`corral statistics`): counters and the request counter.
export { countRequests, DaemonStatistics, type Durations, type StatisticsSnapshot, type StatisticsSources } from './counters.js'
