// Package index holds every field index of the manager's cache in one
// place, as Cluster API's util/index does: the field names the controllers
// and the self-service API list by, the functions that compute them, and
// AddDefaultIndexes, which registers them all before the cache starts.
//
// A field index lets a watch map one changed object to exactly the objects
// that depend on it (a Role to its holders, a User to its teams) without
// listing a whole account.
package index
