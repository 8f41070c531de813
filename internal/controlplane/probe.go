package controlplane

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// probeInterval is how often the probe looks whether a controller has done
// its part. The garbage collector acts within a second once it runs; the
// namespace controller waits five seconds after a namespace is marked for
// deletion, by design, before it empties it.
const probeInterval = 200 * time.Millisecond

// probe shows that both controllers work, rather than that the process
// answers: the garbage collector removes a ConfigMap whose owner was
// deleted, then the namespace controller removes the namespace that held
// them. A healthy process whose garbage collector has not yet listed every
// kind would pass a health check and still leave objects behind.
func (cm *ControllerManager) probe(ctx context.Context, clients kubernetes.Interface) error {
	ns, err := clients.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "kube-controller-manager-probe-"},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create the probe namespace: %w", err)
	}
	configMaps := clients.CoreV1().ConfigMaps(ns.Name)
	owner, err := configMaps.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create the probe owner: %w", err)
	}
	dependent := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name: "dependent",
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID,
		}},
	}}
	if _, err := configMaps.Create(ctx, dependent, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create the probe dependent: %w", err)
	}
	if err := configMaps.Delete(ctx, owner.Name, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete the probe owner: %w", err)
	}
	err = cm.waitUntilGone(ctx, "the garbage collector to delete a ConfigMap whose owner is gone", func(ctx context.Context) error {
		_, err := configMaps.Get(ctx, dependent.Name, metav1.GetOptions{})
		return err
	})
	if err != nil {
		return err
	}

	if err := clients.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete the probe namespace: %w", err)
	}
	return cm.waitUntilGone(ctx, "the namespace controller to delete namespace "+ns.Name, func(ctx context.Context) error {
		_, err := clients.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
		return err
	})
}

// waitUntilGone polls get until it answers NotFound. It gives up when ctx
// ends or kube-controller-manager exits, which no wait would outlast.
func (cm *ControllerManager) waitUntilGone(ctx context.Context, what string, get func(context.Context) error) error {
	var lastErr error
	err := wait.PollUntilContextCancel(ctx, probeInterval, true, func(ctx context.Context) (bool, error) {
		select {
		case <-cm.exited:
			return false, fmt.Errorf("kube-controller-manager exited while waiting for %s: %w", what, cm.exitErr())
		default:
		}
		lastErr = get(ctx)
		if apierrors.IsNotFound(lastErr) {
			return true, nil
		}
		// Any other answer may pass, as a busy API server's does: poll on.
		return false, nil
	})
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("waited in vain for %s (last answer: %v): %w", what, lastErr, err)
	}
	return err
}
