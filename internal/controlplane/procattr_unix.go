//go:build unix

package controlplane

import "syscall"

// sysProcAttr puts the process in a process group of its own, so that a
// signal to the terminal's group does not reach it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
