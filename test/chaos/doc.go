//go:build chaos

// Package chaos holds the kill and outage tests (`make test-chaos`): the real
// manager binary, run as a child process against a real kube-apiserver and
// etcd, is SIGKILLed again and again and its mail server taken down and
// back up while a seeded random workload creates users, balance
// transactions and cancels. Once everything has settled, the tests check
// that no invitation was lost or sent as two different emails, that every
// balance is exact, that nothing is stuck, that no secret reached the
// manager's log, and that a manager restarted over the settled objects
// writes nothing. A second run churns users' service assignments (assign,
// unassign, change class) while the manager is killed, samples that no
// account ever has more live service objects of a class than seats, and
// checks once settled that every labelled service object is named in its
// user's status.
//
// The package builds only with the chaos build tag, so `go test ./...`
// leaves it out: it takes minutes, not seconds.
package chaos
