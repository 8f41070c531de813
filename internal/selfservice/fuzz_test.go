package selfservice

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

const fuzzAcceptPath = "/v1/invitations/accept"

// FuzzParseAcceptRequest feeds arbitrary bodies and content types to the
// accept endpoint's parser. A request is either refused with a client error
// whose message quotes nothing sent, or it yields a non-empty token and
// password that are exactly what the body says.
func FuzzParseAcceptRequest(f *testing.F) {
	for _, seed := range []struct{ contentType, body string }{
		{"application/json", `{"token":"abc","password":"Quartz-Lantern-77-Meadow"}`},
		{"application/json; charset=utf-8", `{"token":"abc","password":"p\u00e4ss\u0000word"}`},
		{"application/json", `{"token":"abc","password":"x"} {}`},
		{"application/json", `{"token":"abc","password":"x","token":"def"}`},
		{"application/json", `{"TOKEN":"abc","Password":"x"}`},
		{"application/json", `{"token":"\ud800","password":"x"}`},
		{"application/json", `[1,2]`},
		{"application/json", `null`},
		{"application/json", ``},
		{"application/x-www-form-urlencoded", "token=abc&password=Quartz-Lantern-77-Meadow&confirm=Quartz-Lantern-77-Meadow"},
		{"application/x-www-form-urlencoded", "token=abc&token=def&password=x"},
		{"application/x-www-form-urlencoded", "token=abc&password=%zz"},
		{"application/x-www-form-urlencoded", "token=abc;password=x"},
		{"application/x-www-form-urlencoded; charset=utf-8", "token=a%2Bb&password=a+b&confirm="},
		{"text/plain", "token=abc&password=x"},
		{"multipart/form-data; boundary=x", "--x--"},
		{"", `{"token":"abc","password":"x"}`},
		{"application/json; charset", `{}`},
	} {
		f.Add(seed.contentType, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, fuzzAcceptPath, strings.NewReader(string(body)))
		r.Header.Set("Content-Type", contentType)
		req, p := parseAcceptRequest(httptest.NewRecorder(), r)
		if p != nil {
			switch p.status {
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			default:
				t.Fatalf("refused with %d %s, want a client error", p.status, p.reason)
			}
			for _, secret := range []string{req.Token, req.Password} {
				if len(secret) >= 4 && strings.Contains(p.message, secret) {
					t.Fatalf("the answer %q quotes the request", p.message)
				}
			}
			return
		}
		if req.Token == "" || req.Password == "" {
			t.Fatalf("accepted a request without token or password: %+v", req)
		}
		if len(body) > maxBodyBytes {
			t.Fatalf("accepted a body of %d bytes, over the limit of %d", len(body), maxBodyBytes)
		}
		mediaType, _, _ := mime.ParseMediaType(contentType)
		switch mediaType {
		case contentTypeJSON:
			var want struct{ Token, Password *string }
			if err := json.Unmarshal(body, &want); err != nil || want.Token == nil || want.Password == nil {
				t.Fatalf("accepted JSON that does not hold a token and a password: %q (%v)", body, err)
			}
			if *want.Token != req.Token || *want.Password != req.Password {
				t.Fatalf("read token %q, password %q from %q", req.Token, req.Password, body)
			}
		case contentTypeForm:
			form, err := url.ParseQuery(string(body))
			if err != nil || form.Get("token") != req.Token || form.Get("password") != req.Password {
				t.Fatalf("read token %q, password %q from form %q (%v)", req.Token, req.Password, body, err)
			}
			if _, ok := form["confirm"]; ok && form.Get("confirm") != req.Password {
				t.Fatalf("accepted a form whose passwords differ: %q", body)
			}
		default:
			t.Fatalf("accepted content type %q", contentType)
		}
	})
}

// pageMarkup counts the characters that make HTML structure.
func pageMarkup(html string) [4]int {
	return [4]int{strings.Count(html, "<"), strings.Count(html, ">"), strings.Count(html, `"`), strings.Count(html, "'")}
}

// FuzzAcceptFormToken shows the password form for arbitrary tokens from
// the link. The token lands in the page's hidden field: whatever it holds,
// it adds no markup, and it is posted back unchanged.
func FuzzAcceptFormToken(f *testing.F) {
	for _, token := range []string{
		"n4bQgHbqY1l7zK3cJ9xW0pLm2vR8sT5uE6aD1fG7hIk",
		`"><script>alert(1)</script>`,
		"' onmouseover='alert(1)",
		"a&amp;b", "\x00\r\n", "{{.Token}}", "é", "%3Cscript%3E",
	} {
		f.Add(token)
	}
	want := pageMarkup(serveForm(f, "x").Body.String())
	f.Fuzz(func(t *testing.T, token string) {
		if token == "" {
			return // a link without a token gets the error page instead
		}
		ex := serveForm(t, token)
		if ex.Code != http.StatusOK {
			t.Fatalf("status %d for token %q", ex.Code, token)
		}
		page := ex.Body.String()
		if got := pageMarkup(page); got != want {
			t.Fatalf("token %q changed the page's markup: %v, want %v\n%s", token, got, want, page)
		}
		// html/template replaces NUL and invalid UTF-8, which no token
		// Tenantry issues holds; any other token comes back as sent.
		if utf8.ValidString(token) && !strings.ContainsRune(token, 0) {
			if got := hiddenToken(t, page); got != token {
				t.Fatalf("the form posts back %q, want %q", got, token)
			}
		}
	})
}

func serveForm(t testing.TB, token string) exchange {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, fuzzAcceptPath+"?token="+url.QueryEscape(token), nil)
	return serve(&Server{}, r)
}
