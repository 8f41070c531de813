package services

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

type metav1OwnerReference = metav1.OwnerReference

// ownerOf makes the User the controller of a namespaced service object, so
// the garbage collector removes it should the finalizer ever be forced off,
// and `kubectl tree`-style tools show whose it is. blockOwnerDeletion keeps
// a foreground deletion of the User waiting for it, as the finalizer does.
func ownerOf(user *iamv1alpha1.User) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion:         iamv1alpha1.GroupVersion.String(),
		Kind:               "User",
		Name:               user.Name,
		UID:                user.UID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}
}
