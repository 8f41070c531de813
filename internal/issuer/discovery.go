package issuer

import (
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Paths the discovery document and the JWKS are served at, relative to the
// issuer URL.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/v1/keys"
)

// Discovery is the OpenID Provider metadata the API server reads: where
// the keys are and what the tokens look like. Tenantry issues tokens only
// through its own API, so there are no authorization or token endpoints of
// the OAuth kind to announce.
type Discovery struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                  []string `json:"claims_supported"`
}

// Discovery returns the issuer's metadata.
func (i *Issuer) Discovery() Discovery {
	return Discovery{
		Issuer:                           i.URL,
		JWKSURI:                          strings.TrimSuffix(i.URL, "/") + JWKSPath,
		ResponseTypesSupported:           []string{"id_token"},
		SubjectTypesSupported:            []string{"public"},
		IDTokenSigningAlgValuesSupported: []string{string(Algorithm)},
		ClaimsSupported:                  []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "email", "email_verified", "act"},
	}
}

// JWKS returns the public keys: the one signing now, any published to sign
// next, and those retired recently enough that tokens they signed are
// still valid.
func (i *Issuer) JWKS() jose.JSONWebKeySet {
	keys := i.Keys.Keys()
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(keys))}
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key: &k.private.PublicKey, KeyID: k.ID, Algorithm: string(Algorithm), Use: "sig",
		})
	}
	return set
}
