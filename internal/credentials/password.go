package credentials

import (
	"errors"
	"fmt"
	"unicode"

	"golang.org/x/crypto/bcrypt"
)

const (
	// MinPasswordLength follows NIST SP 800-63B's advice to favour length.
	MinPasswordLength = 10
	// MaxPasswordLength is bcrypt's limit: it ignores bytes past 72, and a
	// password that silently loses its tail is worse than a clear error.
	MaxPasswordLength = 72
	// minCharacterClasses of lower case, upper case, digits and symbols.
	minCharacterClasses = 3
	// bcryptCost is above bcrypt's default of 10; one hash takes a few hundred
	// milliseconds, which an accept or login request can afford.
	bcryptCost = 12
)

// ErrWeakPassword is wrapped by every password-strength error.
var ErrWeakPassword = errors.New("password too weak")

// CheckPasswordStrength explains why a password is not acceptable, or
// returns nil. The error never contains the password.
func CheckPasswordStrength(password string) error {
	if len(password) < MinPasswordLength {
		return fmt.Errorf("%w: use at least %d characters", ErrWeakPassword, MinPasswordLength)
	}
	if len(password) > MaxPasswordLength {
		return fmt.Errorf("%w: use at most %d bytes", ErrWeakPassword, MaxPasswordLength)
	}
	if characterClasses(password) < minCharacterClasses {
		return fmt.Errorf("%w: mix at least %d of lower case, upper case, digits and symbols",
			ErrWeakPassword, minCharacterClasses)
	}
	return nil
}

// HashPassword returns the bcrypt hash of an acceptable password.
func HashPassword(password string) ([]byte, error) {
	if err := CheckPasswordStrength(password); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return hash, nil
}

// CheckPassword reports whether password matches a stored bcrypt hash.
func CheckPassword(hash []byte, password string) bool {
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
}

func characterClasses(s string) int {
	var lower, upper, digit, other bool
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, present := range []bool{lower, upper, digit, other} {
		if present {
			n++
		}
	}
	return n
}
