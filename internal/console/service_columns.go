package console

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// serviceColumns gathers the grid's service columns: exactly one per
// ServiceClass, keyed by the class's name wherever the class comes from
// (a subscription, a user's assignment or a user's status). The class's
// name is the one thing all three agree on: an assignment's own name
// defaults to it but may differ, and the columnName is only known where
// the person may read the class or the operator copied it into status.
type serviceColumns struct {
	classes map[string]iamv1alpha1.ServiceClass
	// byClass is each class's column, by the class's name.
	byClass map[string]column
}

func newServiceColumns(classes map[string]iamv1alpha1.ServiceClass) *serviceColumns {
	return &serviceColumns{classes: classes, byClass: map[string]column{}}
}

// addSubscriptions adds a column for every class the subscriptions offer.
func (s *serviceColumns) addSubscriptions(subs []iamv1alpha1.Subscription) {
	for i := range subs {
		for _, svc := range subs[i].Spec.Services {
			s.add(svc.ServiceClass, "")
		}
	}
}

// addUser adds a column for every class u is assigned or holds, and says
// whether any was new.
func (s *serviceColumns) addUser(u *iamv1alpha1.User) bool {
	added := false
	for _, a := range u.Spec.Services {
		added = s.add(a.ServiceClass, "") || added
	}
	for _, st := range u.Status.Services {
		added = s.add(st.ServiceClass, st.Column) || added
	}
	return added
}

// add makes sure class has a column, headed by the class's columnName, or
// else by the columnName status kept (statusColumn), or else by the
// class's name; it says whether the column is new.
func (s *serviceColumns) add(class, statusColumn string) bool {
	if class == "" {
		return false
	}
	if known, ok := s.byClass[class]; ok {
		if _, readable := s.classes[class]; !readable && known.Label == class && statusColumn != "" {
			known.Label = statusColumn
			s.byClass[class] = known
		}
		return false
	}
	col := column{Key: serviceKeyPrefix + class, Label: cmp.Or(statusColumn, class), Title: class, Numeric: true}
	if c, ok := s.classes[class]; ok {
		col.Label, col.Title = c.Spec.ColumnName, c.Spec.DisplayName
	}
	s.byClass[class] = col
	return true
}

// columns are the grid's columns: the fixed ones, with the services
// between 2FA and the balance, by their heading.
func (s *serviceColumns) columns() []column {
	services := slices.SortedFunc(maps.Values(s.byClass), func(a, b column) int {
		return cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.Key, b.Key))
	})
	columns := make([]column, 0, len(leadingColumns)+len(services)+len(trailingColumns))
	columns = append(columns, leadingColumns...)
	columns = append(columns, services...)
	return append(columns, trailingColumns...)
}

// gridColumns are the grid's columns: one per service class the account
// subscribes to or a user is assigned or holds.
func gridColumns(subs []iamv1alpha1.Subscription, classes map[string]iamv1alpha1.ServiceClass, users []iamv1alpha1.User) []column {
	set := newServiceColumns(classes)
	set.addSubscriptions(subs)
	for i := range users {
		set.addUser(&users[i])
	}
	return set.columns()
}

// serviceCellText is how many services of a class the user has, and how
// many of them are not Ready; blank when none. An assignment status does
// not know yet counts as not ready (Pending), as the profile shows it.
func serviceCellText(u *iamv1alpha1.User, class string) string {
	assigned, notReady := 0, 0
	known := map[string]bool{}
	for _, s := range u.Status.Services {
		known[s.Name] = true
		if s.ServiceClass != class {
			continue
		}
		assigned++
		if s.Phase != iamv1alpha1.ServicePhaseReady {
			notReady++
		}
	}
	for _, a := range u.Spec.Services {
		if a.ServiceClass == class && !known[a.AssignmentName()] {
			assigned++
			notReady++
		}
	}
	switch {
	case assigned == 0:
		return ""
	case notReady == 0:
		return fmt.Sprint(assigned)
	default:
		return fmt.Sprintf("%d (%d not ready)", assigned, notReady)
	}
}
