# Rego tests of the support-agent policy, run by `leash test` like `opa test` runs them:
# each test_ rule queries the compiled decision with an input of the shape the server builds.
package support_agent_test

support := {
	"id": "agent-7",
	"session": "sess-1",
	"key": "key-17",
	"claims": {"role": "support", "client_id": "key-17", "task": {"ticketId": "T-4891", "customerId": "C-771"}},
	"task": {"ticketId": "T-4891", "customerId": "C-771"},
}

decide(method, path) := d if {
	d := data.leash.decision with input as {
		"agent": support,
		"request": {"method": method, "path": path, "query": {}, "headers": {}, "body": null},
		"upstream": null,
		"now": 0,
	}
}

test_reads_a_record_of_its_customer if {
	d := decide("GET", "/customers/C-771/records/7")
	d.allow
	d.rule == "customerRecords.read"
	"support-agent/customerRecords" in d.resources
}

test_another_customer_is_a_scope_denial if {
	d := decide("GET", "/customers/C-332/records/7")
	not d.allow
	d.class == "scope"
}

test_writes_count_against_the_session_write_limit if {
	d := decide("PATCH", "/tickets/T-4891")
	d.access == "write"
	some l in d.limits
	l.id == "support-agent.write/session"
	l.max == 5
}
