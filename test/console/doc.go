// Package console drives the self-service pages and the account console in
// a real headless Chromium, as the people of an account use them: over
// https, against a real API server that trusts Tenantry's issuer, with the
// links of real emails caught by a real SMTP server. Every page a test
// visits is kept as a full-page screenshot (see docs/developer/testing.md),
// and a wait that times out fails with the page's text and a screenshot, so
// that a failure explains itself.
package console
