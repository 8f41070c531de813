package console

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1alpha1 "github.com/tenantry-io/tenantry/api/v1alpha1"
)

// refillKeyPrefix marks the idempotency keys of the console's refills, as
// kubectl-tenantry- marks the plugin's.
const refillKeyPrefix = "tenantry-console-"

// refillKeyPattern is what newRefillKey makes; a form carrying anything
// else gets a key of its own.
var refillKeyPattern = regexp.MustCompile(`^[0-9a-f]{8}$`)

// newRefillKey is the random part of a refill's name and idempotency key.
// It is put in the form when the page is shown, so that the same form
// sent twice (a double click, a resend after a timeout) names the same
// transaction and the API server refuses the second.
func newRefillKey() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Errorf("generate a refill key: %w", err))
	}
	return hex.EncodeToString(b)
}

// refillTransaction is the transaction of a refill form for user, as
// `kubectl tenantry refill` creates it: named <user>-refill-<key>, in the
// user's ledger currency (the form's when the user has none yet).
func refillTransaction(u *iamv1alpha1.User, amount, description, currency, key string) *iamv1alpha1.BalanceTransaction {
	if !refillKeyPattern.MatchString(key) {
		key = newRefillKey()
	}
	if c := ledgerCurrency(u); c != "" {
		currency = c
	}
	return &iamv1alpha1.BalanceTransaction{
		ObjectMeta: metav1.ObjectMeta{Namespace: u.Namespace, Name: fmt.Sprintf("%s-%s-%s", u.Name, strings.ToLower(string(iamv1alpha1.TransactionRefill)), key)},
		Spec: iamv1alpha1.BalanceTransactionSpec{
			User: u.Name, Type: iamv1alpha1.TransactionRefill, Amount: strings.TrimSpace(amount), Currency: strings.ToUpper(strings.TrimSpace(currency)),
			Description: description, IdempotencyKey: refillKeyPrefix + key,
		},
	}
}

// serveRefill adds the form's amount to the user's balance: a new
// BalanceTransaction made as the person.
func (c *Console) serveRefill(w http.ResponseWriter, r *http.Request, v *visit) {
	name := r.PathValue("name")
	u, ok := c.getUser(w, r, v, name)
	if !ok {
		return
	}
	form := r.PostForm
	if strings.TrimSpace(form.Get("amount")) == "" {
		c.refused(w, r, v, name, actionRefill, Problem{Message: "Give the amount to add.", Fields: map[string]string{"amount": "Give an amount such as 10.00."}})
		return
	}
	tx := refillTransaction(u, form.Get("amount"), form.Get("description"), form.Get("currency"), form.Get("key"))
	if err := v.client.Create(r.Context(), tx); err != nil {
		c.refused(w, r, v, name, actionRefill, err)
		return
	}
	redirectWithNotice(w, r, userHref(name), noticeRefilled)
}

// serveCancel cancels the transaction the form names by deleting it, as
// `kubectl tenantry cancel` does with the latest. The form names it (and
// its UID) rather than "the latest", so that the same form sent twice
// never cancels the one before as well: the second finds it being
// cancelled already, which changes nothing. The API server refuses any
// transaction but the latest applied one.
func (c *Console) serveCancel(w http.ResponseWriter, r *http.Request, v *visit) {
	name := r.PathValue("name")
	ctx := r.Context()
	txName := r.PostForm.Get("transaction")
	tx := &iamv1alpha1.BalanceTransaction{}
	if err := v.client.Get(ctx, client.ObjectKey{Namespace: v.person.Namespace, Name: txName}, tx); err != nil {
		c.refused(w, r, v, name, actionCancel, Problem{Message: explainError(err, access{Verb: verbGet, Resource: resourceTransactions, Name: txName}).Message})
		return
	}
	if tx.Spec.User != name || (r.PostForm.Get("uid") != "" && string(tx.UID) != r.PostForm.Get("uid")) {
		c.refused(w, r, v, name, actionCancel, Problem{Message: "That transaction is not this user's any more. Reload the page to see their transactions."})
		return
	}
	precondition := client.Preconditions{UID: &tx.UID}
	if err := v.client.Delete(ctx, tx, precondition); err != nil {
		c.refused(w, r, v, name, actionCancel, err)
		return
	}
	redirectWithNotice(w, r, userHref(name), noticeCancelled)
}
