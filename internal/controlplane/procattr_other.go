//go:build !unix

package controlplane

import "syscall"

// sysProcAttr leaves the process as the platform starts it: process groups
// are a Unix notion.
func sysProcAttr() *syscall.SysProcAttr {
	return nil
}
