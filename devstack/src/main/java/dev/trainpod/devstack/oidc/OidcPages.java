package dev.trainpod.devstack.oidc;

import java.util.List;
import java.util.Map;

/** The stand-in provider's few HTML pages: sign-in, device approval, errors; every value escaped. */
final class OidcPages {

    /** The authorize request's parameters the sign-in form carries on to the POST. */
    private static final List<String> CARRIED = List.of("response_type", "client_id", "redirect_uri", "state",
            "nonce", "scope", "code_challenge", "code_challenge_method");

    private OidcPages() {
    }

    static String signIn(Map<String, String> params) {
        return signIn(params, null);
    }

    static String signIn(Map<String, String> params, String error) {
        StringBuilder hidden = new StringBuilder();
        for (String name : CARRIED) {
            if (params.containsKey(name)) {
                hidden.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"")
                        .append(escape(params.get(name))).append("\">");
            }
        }
        return page("Sign in", "<h1>Sign in to Trainpod</h1>"
                + "<p>Local stand-in identity provider: no password; type any user name (demo-user and other-user"
                + " are the demo users; a new name is a new user).</p>" + errorLine(error)
                + "<form method=\"post\" action=\"/authorize\">" + hidden
                + userField(params.getOrDefault("username", "demo-user"))
                + "<button type=\"submit\" id=\"sign-in\">Sign in</button></form>");
    }

    static String device(String userCode, String error) {
        return page("Approve a device", "<h1>Approve a device sign-in</h1>"
                + "<p>Check that the code matches the one your terminal shows.</p>" + errorLine(error)
                + "<form method=\"post\" action=\"/device\"><p><label for=\"user_code\">Code</label> "
                + "<input id=\"user_code\" name=\"user_code\" required value=\"" + escape(userCode) + "\"></p>"
                + userField("demo-user") + "<button type=\"submit\">Approve</button></form>");
    }

    static String approved(String user) {
        return page("Approved", "<h1>Signed in</h1><p>The device is signed in as " + escape(user)
                + ". You can close this page.</p>");
    }

    static String error(String message) {
        return page("Sign-in error", "<h1>This sign-in request is not valid</h1><p role=\"alert\">" + escape(message)
                + "</p>");
    }

    private static String userField(String value) {
        return "<p><label for=\"username\">User name</label> <input id=\"username\" name=\"username\" required"
                + " autocomplete=\"username\" list=\"demo-users\" value=\"" + escape(value) + "\">"
                + "<datalist id=\"demo-users\"><option value=\"demo-user\"><option value=\"other-user\"></datalist></p>";
    }

    private static String errorLine(String error) {
        return error == null ? "" : "<p role=\"alert\" style=\"color:#a00\">" + escape(error) + "</p>";
    }

    private static String page(String title, String body) {
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + title
                + " · Trainpod (local)</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;"
                + "margin:2rem auto;padding:0 1rem}input,button{font:inherit;padding:.4rem}</style></head><body>"
                + body + "</body></html>";
    }

    static String escape(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
