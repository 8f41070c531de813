// Package services holds the controllers of the services users are
// assigned: the ServiceClass controller, which checks that a class's kind
// is served with the class's scope, and the Subscription controller, which
// gives out an account's seats to its users' assignments and says who holds
// them. The users' service objects themselves are the User controller's.
// The rules both share with the User controller and admission are in
// internal/services.
//
// It writes the ServiceClass's status (conditions, observedGeneration,
// resource) and the Subscription's (conditions, observedGeneration,
// services, summary).
package services
