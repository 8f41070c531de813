package console

// The names of the form inputs that set a User's fields. Each is the
// field's JSON name, so that the API server's causes (metadata.name,
// spec.fullName) land next to the input that set them (formField).
const (
	fieldName     = "name"
	fieldFullName = "fullName"
	fieldEmail    = "email"
	fieldRole     = "role"
	fieldServices = "services"
	// fieldResourceVersion carries the resourceVersion a form was shown
	// at, so that a change made meanwhile conflicts instead of being
	// overwritten.
	fieldResourceVersion = "resourceVersion"
)
