package console

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium, which `make chromium` (and so `make
// test`) installs when it is missing.
const chromiumPath = "/usr/bin/chromium"

// chromium is the package's one browser. Starting Chromium takes a second
// or two; a browser context per person keeps the people of a test as apart
// as two browsers would (cookies, storage, cache), for the price of a tab.
type chromium struct {
	ctx         context.Context
	cancel      context.CancelFunc
	cancelAlloc context.CancelFunc
}

// startChromium starts headless Chromium trusting the issuer's serving
// certificate, certFile, and nothing else that a certificate check would
// refuse.
func startChromium(certFile string) (*chromium, error) {
	if _, err := os.Stat(chromiumPath); err != nil {
		return nil, fmt.Errorf("the browser tests need %s: run `make chromium` (make test does): %w", chromiumPath, err)
	}
	pin, err := spkiPin(certFile)
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.WindowSize(1280, 900),
		// The issuer serves a certificate of a CA made for this run. Adding
		// that CA to the system's or the user's NSS database would change
		// the machine, and --ignore-certificate-errors would let any
		// certificate through, hiding a server that serves the wrong one.
		// Pinning the public key of the serving certificate accepts exactly
		// that certificate; Chromium honours the pin only with a
		// --user-data-dir, which the allocator always gives it (a fresh
		// temporary one).
		chromedp.Flag("ignore-certificate-errors-spki-list", pin),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root; containers running the
		// tests as root have no other way. Anyone else keeps the sandbox.
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		return nil, fmt.Errorf("start %s: %w", chromiumPath, err)
	}
	return &chromium{ctx: ctx, cancel: cancel, cancelAlloc: cancelAlloc}, nil
}

func (c *chromium) stop() {
	c.cancel()
	c.cancelAlloc()
}

// spkiPin is the base64 SHA-256 of the certificate's SubjectPublicKeyInfo,
// as --ignore-certificate-errors-spki-list takes it.
func spkiPin(certFile string) (string, error) {
	data, err := os.ReadFile(certFile)
	if err != nil {
		return "", err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return "", errors.New("no PEM certificate in " + certFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", certFile, err)
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}
