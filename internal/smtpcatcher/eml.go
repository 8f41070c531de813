package smtpcatcher

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// writeEML stores msg as "<unix-nanos>-<sanitized message id>.eml". It
// writes to a temporary name and renames, so that a mail client watching
// the folder never opens a half-written file.
func writeEML(dir string, msg Message) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	name := fmt.Sprintf("%d-%s.eml", time.Now().UnixNano(), sanitizeFileName(msg.MessageID()))
	tmp, err := os.CreateTemp(dir, ".incoming-*")
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(msg.Data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	// CreateTemp makes the file private; a .eml for local development is
	// meant to be opened by the developer's other tools.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("rename to %s: %w", name, err)
	}
	return nil
}

// sanitizeFileName keeps a message id readable in a file name while making
// sure it cannot leave the folder or upset a file system.
func sanitizeFileName(id string) string {
	if id == "" {
		return "no-message-id"
	}
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == '.', r == '-', r == '_', r == '@', r == '+':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if len(s) > 200 {
		s = s[:200]
	}
	if s == "" {
		return "no-message-id"
	}
	return s
}
