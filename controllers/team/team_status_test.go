package team

import (
	"slices"
	"testing"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

func member(name string, state iamv1alpha1.TeamMemberState) iamv1alpha1.TeamMemberStatus {
	return iamv1alpha1.TeamMemberStatus{Name: name, State: state}
}

func TestMissingMembers(t *testing.T) {
	tests := []struct {
		name    string
		members []iamv1alpha1.TeamMemberStatus
		want    string
	}{
		{name: "no members", want: ""},
		{name: "every member a user", members: []iamv1alpha1.TeamMemberStatus{
			member("alice", iamv1alpha1.TeamMemberActive), member("bob", iamv1alpha1.TeamMemberNotActive),
		}, want: ""},
		{name: "the missing named in order", members: []iamv1alpha1.TeamMemberStatus{
			member("alice", iamv1alpha1.TeamMemberNotFound), member("bob", iamv1alpha1.TeamMemberActive),
			member("ghost", iamv1alpha1.TeamMemberNotFound),
		}, want: "; bound to nothing, no such user: alice, ghost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := missingMembers(tt.members); got != tt.want {
				t.Errorf("missingMembers() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMembersGone(t *testing.T) {
	active, notActive, notFound := iamv1alpha1.TeamMemberActive, iamv1alpha1.TeamMemberNotActive, iamv1alpha1.TeamMemberNotFound
	tests := []struct {
		name            string
		before, written []iamv1alpha1.TeamMemberStatus
		want            []string
	}{
		{name: "nothing written before", written: []iamv1alpha1.TeamMemberStatus{member("ghost", notFound)}},
		{name: "an active user deleted", before: []iamv1alpha1.TeamMemberStatus{member("alice", active), member("bob", active)},
			written: []iamv1alpha1.TeamMemberStatus{member("alice", notFound), member("bob", active)}, want: []string{"alice"}},
		{name: "a user being deleted, then gone", before: []iamv1alpha1.TeamMemberStatus{member("alice", notActive)},
			written: []iamv1alpha1.TeamMemberStatus{member("alice", notFound)}, want: []string{"alice"}},
		{name: "still missing is no news", before: []iamv1alpha1.TeamMemberStatus{member("alice", notFound)},
			written: []iamv1alpha1.TeamMemberStatus{member("alice", notFound)}},
		{name: "a name added that is no user", before: []iamv1alpha1.TeamMemberStatus{member("alice", active)},
			written: []iamv1alpha1.TeamMemberStatus{member("alice", active), member("ghost", notFound)}},
		{name: "a user created again", before: []iamv1alpha1.TeamMemberStatus{member("alice", notFound)},
			written: []iamv1alpha1.TeamMemberStatus{member("alice", notActive)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := membersGone(tt.before, tt.written); !slices.Equal(got, tt.want) {
				t.Errorf("membersGone() = %v, want %v", got, tt.want)
			}
		})
	}
}
