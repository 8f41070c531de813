package selfservice

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
	"github.com/tenantry-io/tenantry/internal/credentials"
	"github.com/tenantry-io/tenantry/internal/index"
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
		{"application/json", `{"token":"abc","password":"x","admin":true}`},
		{"application/json", `{"token":"abc","password":"x","Token":"def"}`},
		{"application/json", `{"token":"abc","password":"x","to\u212aen":"def"}`},
		{"application/json", `{"token":5,"password":"x"}`},
		{"application/json", `{"token":"abc","password":"x"}]`},
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
			// Strict: no field but token and password, none twice.
			keys := objectKeys(t, body)
			for i, key := range keys {
				if !strings.EqualFold(key, "token") && !strings.EqualFold(key, "password") {
					t.Fatalf("accepted the unknown field %q in %q", key, body)
				}
				for _, other := range keys[:i] {
					if strings.EqualFold(key, other) {
						t.Fatalf("accepted the field %q twice in %q", key, body)
					}
				}
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

// objectKeys lists the field names of a JSON object, repeats included.
func objectKeys(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key.(string))
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// pageMarkup counts the characters that make HTML structure.
func pageMarkup(html string) [4]int {
	return [4]int{strings.Count(html, "<"), strings.Count(html, ">"), strings.Count(html, `"`), strings.Count(html, "'")}
}

// FuzzAcceptFormToken shows the invitation page for arbitrary tokens from
// the link, every one of them an open invitation (openInvitations). A token
// of the shape Tenantry issues lands in the form's hidden field: whatever it
// holds, it adds no markup, and it is posted back unchanged. Any other is
// not looked up, and its page shows no form and nothing of the token.
func FuzzAcceptFormToken(f *testing.F) {
	for _, token := range []string{
		"n4bQgHbqY1l7zK3cJ9xW0pLm2vR8sT5uE6aD1fG7hIk",
		`"><script>alert(1)</script>`,
		"' onmouseover='alert(1)",
		"a&amp;b", "\x00\r\n", "{{.Token}}", "é", "%3Cscript%3E", "--__--",
	} {
		f.Add(token)
	}
	want := pageMarkup(serveForm(f, "x").Body.String())
	dead := pageMarkup(serveForm(f, "<x>").Body.String())
	f.Fuzz(func(t *testing.T, token string) {
		if token == "" {
			return // a link without a token gets the error page instead
		}
		ex := serveForm(t, token)
		page := ex.Body.String()
		if len(token) > maxInvitationTokenLength || !isTokenText(token) {
			if ex.Code != http.StatusNotFound || strings.Contains(page, "<form") || pageMarkup(page) != dead {
				t.Fatalf("token %q: status %d, want the dead link's page\n%s", token, ex.Code, page)
			}
			return
		}
		if ex.Code != http.StatusOK {
			t.Fatalf("status %d for token %q", ex.Code, token)
		}
		if got := pageMarkup(page); got != want {
			t.Fatalf("token %q changed the page's markup: %v, want %v\n%s", token, got, want, page)
		}
		if got := hiddenToken(t, page); got != token {
			t.Fatalf("the form posts back %q, want %q", got, token)
		}
	})
}

func serveForm(t testing.TB, token string) exchange {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, fuzzAcceptPath+"?token="+url.QueryEscape(token), nil)
	invitations := &openInvitations{}
	return serve(&Server{Clock: clock.RealClock{}, Client: invitations, APIReader: invitations, CredentialsNamespace: credentialsNamespace}, r)
}

// openInvitations is a cache and an API server in which every token is an
// open invitation of the same user: the Secrets listed by a token hash are
// one Secret with that hash, reading that Secret again gives the same, and
// the user exists. The accept page reads nothing else.
type openInvitations struct {
	client.Client
	hash string // of the token last listed
}

const openInvitationUID = "uid-of-alice"

func (o *openInvitations) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	secrets, ok := list.(*corev1.SecretList)
	if !ok {
		return fmt.Errorf("openInvitations lists only Secrets, not %T", list)
	}
	listOptions := (&client.ListOptions{}).ApplyOptions(opts)
	hash, ok := listOptions.FieldSelector.RequiresExactMatch(index.SecretTokenHashField)
	if !ok {
		return fmt.Errorf("openInvitations lists Secrets only by token hash")
	}
	o.hash = hash
	secrets.Items = []corev1.Secret{*o.secret()}
	return nil
}

// secret is alice's credential Secret with an open invitation of the token
// last listed.
func (o *openInvitations) secret() *corev1.Secret {
	secret := credentials.NewSecret(credentialsNamespace, "acme", "alice", openInvitationUID)
	credentials.WriteInvitation(secret, credentials.Invitation{Number: 1, Attempt: 1, TokenHash: o.hash, Expiry: time.Now().Add(time.Hour)})
	return secret
}

func (o *openInvitations) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	switch obj := obj.(type) {
	case *iamv1alpha1.User:
		obj.Namespace, obj.Name, obj.UID = key.Namespace, key.Name, openInvitationUID
		obj.Spec = iamv1alpha1.UserSpec{FullName: "Alice Example", Email: "alice@example.com"}
	case *corev1.Secret:
		secret := o.secret()
		if key != client.ObjectKeyFromObject(secret) {
			return fmt.Errorf("openInvitations has no Secret %s", key)
		}
		secret.DeepCopyInto(obj)
	default:
		return fmt.Errorf("openInvitations gets only Users and Secrets, not %T", obj)
	}
	return nil
}

// FuzzSessionCredential feeds arbitrary Authorization headers and session
// cookies to the parser of the session credential. Either the request is
// refused with a client error whose message quotes nothing sent, or the
// token it yields names an account and a user that are DNS labels: nothing
// else is ever looked up.
func FuzzSessionCredential(f *testing.F) {
	f.Add("", "")
	f.Add("Bearer "+wellFormedToken, "")
	f.Add("", wellFormedToken)
	f.Add("Bearer "+wellFormedToken, "acme_bob_"+randomPart)
	f.Add("Basic YWxpY2U6cGFzc3dvcmQ=", "")
	f.Add("Bearer", "")
	for _, tt := range malformedTokens {
		f.Add("Bearer "+tt.token, "")
		f.Add("", tt.token)
	}
	f.Fuzz(func(t *testing.T, authorization, cookie string) {
		r := httptest.NewRequest(http.MethodGet, "/v1/sessions/current", nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		if cookie != "" {
			r.Header.Set("Cookie", sessionCookie+"="+cookie)
		}
		token, p := sessionCredential(r)
		if p != nil {
			if p.status < 400 || p.status >= 500 || p.reason != ReasonSessionMalformed || p.message == "" {
				t.Fatalf("refused with %d %s %q, want 400 %s with a message", p.status, p.reason, p.message, ReasonSessionMalformed)
			}
			for _, sent := range []string{authorization, cookie} {
				if len(sent) >= 8 && strings.Contains(p.message, sent) {
					t.Fatalf("the answer %q quotes the request", p.message)
				}
			}
			return
		}
		if token == "" {
			return
		}
		namespace, user, ok := parseScopedToken(token)
		if !ok {
			t.Fatalf("accepted a token that does not parse: %q", token)
		}
		for _, name := range []string{namespace, user} {
			if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
				t.Fatalf("the token %q names %q, not a DNS label: %v", token, name, errs)
			}
		}
	})
}

// nameCheckingClient fails the test when a handler asks for an object by a
// name no object can have, and otherwise asks the real client, or, when
// fuzzing without a control plane, answers that there is no such object.
type nameCheckingClient struct {
	client.Client
	t *testing.T
}

func (c nameCheckingClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	errs := validation.IsDNS1123Subdomain(key.Name)
	if key.Namespace != "" {
		errs = append(errs, validation.IsDNS1123Label(key.Namespace)...)
	}
	if len(errs) > 0 {
		c.t.Fatalf("looked up %q in %q: %v", key.Name, key.Namespace, errs)
	}
	if c.Client == nil {
		return apierrors.NewNotFound(schema.GroupResource{}, key.Name)
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

func (c nameCheckingClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if c.Client == nil {
		return nil
	}
	return c.Client.List(ctx, list, opts...)
}

// fuzzRoutes are the routes FuzzRequestShapes sends to: every one that
// takes a session or a token from the request, and none that hashes a
// password before looking anything up.
var fuzzRoutes = []struct{ method, path string }{
	{http.MethodGet, "/v1/sessions/current"},
	{http.MethodDelete, "/v1/sessions/current"},
	{http.MethodPost, "/v1/sessions/current"},
	{http.MethodPost, "/v1/totp/enroll"},
	{http.MethodPost, "/v1/totp/confirm"},
	{http.MethodDelete, "/v1/totp"},
	{http.MethodPost, "/v1/totp/recovery-codes"},
	{http.MethodPost, "/v1/password-resets/confirm"},
	{http.MethodPost, "/v1/invitations/accept"},
}

// FuzzRequestShapes sends arbitrary credentials, content types and bodies
// to the routes that read them, through the whole handler. Whatever comes
// in, the answer is a client error or a success, never a 5xx, and nothing
// is looked up by a name no object can have. With a control plane (a test
// run, or -run naming this fuzz test) the lookups reach the API server.
func FuzzRequestShapes(f *testing.F) {
	for i := range fuzzRoutes {
		f.Add(uint8(i), "Bearer "+wellFormedToken, "", contentTypeJSON, []byte(`{"code":"123456"}`))
		f.Add(uint8(i), "", wellFormedToken, contentTypeForm, []byte("code=123456"))
	}
	for i, tt := range malformedTokens {
		f.Add(uint8(i), "Bearer "+tt.token, "", contentTypeJSON, []byte(`{"token":"`+tt.token+`","password":"`+strongPassword+`"}`))
		f.Add(uint8(i), "", tt.token, "", []byte{})
	}
	f.Add(uint8(3), "Basic YWxpY2U6cGFzc3dvcmQ=", wellFormedToken, "text/plain", []byte("x"))
	f.Add(uint8(4), "Bearer "+wellFormedToken, "acme_bob_"+randomPart, contentTypeJSON, []byte(`{"code":1}`))
	f.Fuzz(func(t *testing.T, route uint8, authorization, cookie, contentType string, body []byte) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		r := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		for name, value := range map[string]string{"Authorization": authorization, "Cookie": sessionCookie + "=" + cookie, "Content-Type": contentType} {
			if value != "" && value != sessionCookie+"=" {
				r.Header.Set(name, value)
			}
		}
		s := &Server{Clock: clock.RealClock{}, Client: nameCheckingClient{t: t}, APIReader: nameCheckingClient{t: t}, CredentialsNamespace: credentialsNamespace}
		if direct != nil {
			s.Client, s.APIReader = nameCheckingClient{Client: cached, t: t}, nameCheckingClient{Client: direct, t: t}
			s.Cipher = testCipher
		}
		ex := serve(s, r)
		if ex.Code >= 500 {
			t.Fatalf("%s %s answered %d: %s\n%s", rt.method, rt.path, ex.Code, ex.Body, ex.logs)
		}
		if ex.Code >= 400 && !strings.HasPrefix(ex.Header().Get("Content-Type"), "text/html") {
			if p := problemOf(t, ex); p.Reason == "" || p.Message == "" {
				t.Fatalf("%s %s answered %d without a reason: %s", rt.method, rt.path, ex.Code, ex.Body)
			}
		}
	})
}
