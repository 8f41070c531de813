// Package v1alpha1 contains the iam.tenantry.io/v1alpha1 API: the users,
// roles and balance transactions of customer accounts.
// +kubebuilder:object:generate=true
// +groupName=iam.tenantry.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of this API.
	GroupVersion = schema.GroupVersion{Group: "iam.tenantry.io", Version: "v1alpha1"}

	// SchemeBuilder registers the API's kinds with a scheme. It is
	// apimachinery's, so importing the API pulls in no controller runtime.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the API's kinds to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(GroupVersion,
		&User{}, &UserList{},
		&Role{}, &RoleList{},
		&BalanceTransaction{}, &BalanceTransactionList{},
		&ServiceClass{}, &ServiceClassList{},
		&Subscription{}, &SubscriptionList{},
		&UserChange{}, &UserChangeList{},
		&Team{}, &TeamList{},
	)
	metav1.AddToGroupVersion(scheme, GroupVersion)
	return nil
}
