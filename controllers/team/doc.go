// Package team holds the Team controller: one RoleBinding per Team that
// binds its active members to the team's Role, kept in step with the
// members' phases.
//
// It writes the Team's status: conditions, observedGeneration, members,
// activeMembers, membersSummary and roleBindingName. It owns the team's
// RoleBinding.
package team
