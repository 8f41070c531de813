package v1alpha1

// Condition types every kind of Tenantry reports. Ready summarises the
// others; Reconciling and Stalled follow kstatus and are present only while
// true. The conditions and reasons of one kind live beside its types
// (user_conditions.go, role_conditions.go, balancetransaction_conditions.go).
const (
	// ReadyCondition is True when the object is what its spec asks for.
	ReadyCondition = "Ready"
	// ReconcilingCondition is True while the controller is still working
	// towards the spec (sending, retrying, catching up after a change).
	ReconcilingCondition = "Reconciling"
	// StalledCondition is True when the controller cannot make progress
	// without a person (a permanent SMTP rejection, a name taken by someone
	// else's object).
	StalledCondition = "Stalled"
)

// ReasonProgressing explains Ready=False and Reconciling=True while the
// controller is working or retrying after an error.
const ReasonProgressing = "Progressing"
