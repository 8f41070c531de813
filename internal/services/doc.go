// Package services holds the pure rules of assigned services, shared by the
// controllers and admission: which Subscription an assignment draws its seat
// from, who holds the seats, how a ServiceClass's template becomes one
// user's object, and whether that object is ready. Nothing here talks to the
// API server, so every rule is tested on its own.
package services
