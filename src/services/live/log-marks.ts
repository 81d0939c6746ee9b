// The marker line the log feed writes where a container restarted. Its own
// module: the log view tests for it, and importing it from the log feed would
// pull client-node (15 MB of bundled code) into the console's first frame.
export const RESTART_MARK = '──── ';
