package console

import "github.com/tenantry-io/tenantry/internal/operator"

// turnConsoleOn serves the account console beside the self-service pages,
// as --console does (its default wherever tokens are issued): said here
// so that the tests do not depend on the default.
func turnConsoleOn(opts *operator.Options) {
	opts.Console.Enabled = true
}
