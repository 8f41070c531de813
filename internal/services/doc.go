// Package services holds the pure rules of assigned services, shared by the
// controllers and admission: which Subscription an assignment draws its seat
// from, who holds the seats, how a ServiceClass's template becomes one
// user's object, and whether that object is ready; whether a kind is
// served (CheckServable), which rendered fields drifted (Drift), and why the
// API server refused a write (ClassifyWriteError). Nothing here sends a
// request to the API server (CRDs reads the manager's cache), so every rule
// is tested on its own.
package services
