// Package docs checks that what the README and docs/ tell a reader is what
// happens.
//
//   - TestWalkthrough runs every shell example of README.md and of the pages
//     docs/README.md lists, in that order (the order a reader meets them),
//     against a real `make dev` (bin/tenantry-dev, built by the test) in one
//     bash shell with `set -euo pipefail`, and checks each command's output
//     against what the page shows. It runs in a copy of the repository made
//     of symlinks, with a .dev/ and a bin/ of its own, so a developer's own
//     `make dev` files are never touched; it needs 127.0.0.1:8080-8082 free.
//   - TestExamplesAreWhatTheAPIServerAccepts applies every YAML example of
//     the pages, config/samples and config/roles with a server-side dry run.
//   - TestLinksResolve and TestIndexListsEveryPage keep the links and the
//     reading order whole.
//
// docs/developer/testing.md describes the conventions a page follows: the
// markers before a block (<!-- not run: why -->, <!-- output -->,
// <!-- invalid -->, <!-- fresh make dev -->), how shown output is written
// and compared, and how a command that must fail is shown. The tests need
// KUBEBUILDER_ASSETS: run them with `make test`.
package docs
