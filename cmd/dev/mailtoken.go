package main

import (
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tenantry-io/tenantry/internal/smtpcatcher"
)

// mailTokenCommand is the subcommand that reads a token out of the mail
// folder, so that a walkthrough can be pasted as it is written instead of
// asking the reader to copy a token out of a quoted-printable .eml file.
const mailTokenCommand = "mail-token"

// printMailToken prints the token of the link (an invitation or a password
// reset) in the newest mail to the address in args, from the mail folder
// of the repository the working directory is in.
func printMailToken(w io.Writer, args []string) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: tenantry-dev %s <email>: prints the token of the link in the newest mail to <email> in .dev/mail", mailTokenCommand)
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	token, err := newestMailToken(filepath.Join(root, devDirName, mailDirName), args[0])
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, token)
	return err
}

// newestMailToken finds the newest .eml in dir addressed to email with a
// link in it. The catcher names files by arrival time, so the names sort
// in the order the mail came.
func newestMailToken(dir, email string) (string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return "", err
	}
	slices.Sort(names)
	for _, name := range slices.Backward(names) {
		data, err := os.ReadFile(name)
		if err != nil {
			return "", err
		}
		msg := smtpcatcher.Message{Data: data}
		if !addressedTo(msg.Header("To"), email) {
			continue
		}
		text, err := msg.TextBody()
		if err != nil {
			return "", fmt.Errorf("read %s: %w", name, err)
		}
		if match := acceptLink.FindStringSubmatch(text); match != nil {
			return match[1], nil
		}
	}
	return "", errors.New("no mail with a link to " + email + " in " + dir + " (yet)")
}

// addressedTo says whether a To header names email, in any case.
func addressedTo(header, email string) bool {
	addresses, err := mail.ParseAddressList(header)
	if err != nil {
		return false
	}
	for _, a := range addresses {
		if strings.EqualFold(a.Address, email) {
			return true
		}
	}
	return false
}
