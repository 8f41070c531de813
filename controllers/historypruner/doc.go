// Package historypruner holds the history pruner: a runnable, on the
// elected leader only, that deletes the UserChange records older than the
// history retention, a page at a time, every prune interval. It writes no
// status.
package historypruner
