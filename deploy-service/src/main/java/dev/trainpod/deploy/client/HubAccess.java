package dev.trainpod.deploy.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * What a Hugging Face token may do with one namespace, read from the Hub's {@code whoami-v2} answer: a "write" token
 * writes to its user's namespace and to the organisations where the user may write; a fine-grained token only where
 * one of its scopes (the namespace, or the repository itself) grants {@code repo.write}; a "read" token nowhere.
 *
 * @param kind   the verdict
 * @param detail what the Hub said, for the pre-flight's message (never the token)
 */
public record HubAccess(Kind kind, String detail) {

    /** The verdicts. */
    public enum Kind { CAN_WRITE, CANNOT_WRITE, REJECTED, UNAVAILABLE }

    private static final Set<String> WRITING_ORG_ROLES = Set.of("admin", "write", "contributor");

    /** The verdict for pushing to {@code repo} ({@code namespace/name}) from a whoami-v2 body. */
    public static HubAccess of(JsonNode whoami, String repo) {
        String namespace = repo.substring(0, Math.max(0, repo.indexOf('/')));
        String user = whoami.path("name").asText("");
        JsonNode token = whoami.path("auth").path("accessToken");
        String role = token.path("role").asText("");
        if ("fineGrained".equals(role)) {
            for (JsonNode scope : token.path("fineGrained").path("scoped")) {
                String entity = scope.path("entity").path("name").asText("");
                boolean writes = false;
                for (JsonNode permission : scope.path("permissions")) {
                    writes |= "repo.write".equals(permission.asText());
                }
                if (writes && (entity.equals(namespace) || entity.equals(repo))) {
                    return new HubAccess(Kind.CAN_WRITE, "fine-grained token of " + user);
                }
            }
            return new HubAccess(Kind.CANNOT_WRITE, "the fine-grained token of " + user
                    + " grants no repo.write on " + namespace);
        }
        if (!"write".equals(role) && !"admin".equals(role)) {
            return new HubAccess(Kind.CANNOT_WRITE, "the token of " + user + " has the role \""
                    + (role.isEmpty() ? "unknown" : role) + "\", not write");
        }
        if (namespace.equals(user)) {
            return new HubAccess(Kind.CAN_WRITE, "write token of " + user);
        }
        for (JsonNode org : whoami.path("orgs")) {
            if (namespace.equals(org.path("name").asText())) {
                String orgRole = org.path("roleInOrg").asText("");
                return WRITING_ORG_ROLES.contains(orgRole)
                        ? new HubAccess(Kind.CAN_WRITE, user + " is " + orgRole + " in " + namespace)
                        : new HubAccess(Kind.CANNOT_WRITE, user + " is only " + (orgRole.isEmpty() ? "a member"
                                : orgRole) + " in " + namespace);
            }
        }
        return new HubAccess(Kind.CANNOT_WRITE, user + " is neither " + namespace + " nor a member of it");
    }
}
