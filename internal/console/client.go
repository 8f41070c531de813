package console

import (
	"net/http"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// bearer adds a person's token to every request it carries to the API
// server. The transport below it knows the host and the CA, nothing else.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(req)
}

// clientFor is a client that acts as the holder of token. Only the HTTP
// client changes from one request to the next: the scheme, the RESTMapper
// and the connection pool are shared.
func (c *Console) clientFor(token string) (client.WithWatch, error) {
	return client.NewWithWatch(c.config, client.Options{
		HTTPClient: &http.Client{Transport: bearer{token: token, base: c.transport}},
		Scheme:     c.scheme,
		Mapper:     c.mapper,
	})
}
