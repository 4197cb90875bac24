package dev.trainpod.common.openapi;

import dev.trainpod.common.problem.Problem;
import dev.trainpod.common.problem.ProblemCatalog;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * What every service's OpenAPI document has in common, added at build time: the {@code Problem} schema (RFC 9457,
 * every field described) as the {@code application/problem+json} body of every error status an operation declares,
 * plus the statuses every operation can answer (401/403 when it needs a token, 500, 503); the three security
 * schemes (user JWT, job token, download token) in place of Quarkus' generic one, the roles kept as scopes; and
 * each error status's description listing the problem types of {@link ProblemCatalog} answered with that status
 * (the link to their pages); and every schema property that is not {@code required} may be {@code null} (its type
 * gains {@code "null"}, a {@code $ref} becomes {@code anyOf [$ref, null]}), because the services write absent values
 * as JSON nulls: the examples recorded from real runs (devstack ApiReferenceIT) validate against the schemas only so.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class ApiDocumentFilter implements OASFilter {

    /** The scheme of operations a user calls with the JWT of their identity provider. */
    public static final String USER_JWT = "userJwt";
    /** The scheme of operations a pod calls with the job token deploy-service minted for its deployment. */
    public static final String JOB_TOKEN = "jobToken";
    /** The scheme of the dataset download, whose short-lived token is the last path segment. */
    public static final String DOWNLOAD_TOKEN = "downloadToken";

    private static final String PROBLEM_REF = "#/components/schemas/Problem";
    private static final String GATEWAY_PAGES = "/problems/";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema("Problem", problemSchema());
        openAPI.getComponents().addSchema("FieldError", fieldErrorSchema());
        Map<String, SecurityScheme> schemes = new LinkedHashMap<>();
        schemes.put(USER_JWT, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .bearerFormat("JWT").description("The user's JWT from the identity provider (role `user`): "
                        + "`Authorization: Bearer <jwt>`. Every user operation acts only on the caller's own data."));
        schemes.put(JOB_TOKEN, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .bearerFormat("JWT").description("The job token deploy-service mints for one deployment (role `job`,"
                        + " claim `deployment_id`), given to its pod as TRAINPOD_JOB_TOKEN; valid while the deployment"
                        + " lives."));
        schemes.put(DOWNLOAD_TOKEN, OASFactory.createSecurityScheme().type(SecurityScheme.Type.APIKEY)
                .in(SecurityScheme.In.HEADER).name("X-Trainpod-Download-Token").description("Not a header: the"
                        + " dataset download's token is the last segment of its path (/api/v1/downloads/{token}); it is"
                        + " given by POST /api/v1/pod/dataset, lives at most 2 hours and allows a few uses."));
        openAPI.getComponents().setSecuritySchemes(schemes);
        openAPI.setTags(openAPI.getTags());
        if (openAPI.getComponents().getSchemas() != null) {
            openAPI.getComponents().getSchemas().values().forEach(ApiDocumentFilter::nullableUnlessRequired);
        }
        if (openAPI.getPaths() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> op : path.getValue().getOperations().entrySet()) {
                complete(path.getKey(), op.getValue());
            }
        }
    }

    private static void complete(String path, Operation op) {
        List<String> roles = new ArrayList<>();
        if (op.getSecurity() != null) {
            for (SecurityRequirement r : op.getSecurity()) {
                r.getSchemes().values().forEach(roles::addAll);
            }
        }
        boolean download = path.startsWith("/api/v1/downloads/");
        if (!roles.isEmpty() || download) {
            String scheme = download ? DOWNLOAD_TOKEN : roles.contains("job") ? JOB_TOKEN : USER_JWT;
            op.setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme(scheme, roles)));
        }
        APIResponses responses = op.getResponses() == null ? OASFactory.createAPIResponses() : op.getResponses();
        op.setResponses(responses);
        if (!roles.isEmpty()) {
            responses.addAPIResponse("401", OASFactory.createAPIResponse().description("No valid bearer token"
                    + " (unauthorized)."));
            responses.addAPIResponse("403", OASFactory.createAPIResponse().description("The token's role may not"
                    + " call this operation (forbidden)" + (roles.contains("job") ? ", or the job token is another"
                    + " deployment's (wrong-job)." : ".")));
        }
        if (path.startsWith("/api/")) {
            responses.addAPIResponse("500", OASFactory.createAPIResponse().description("An unexpected failure (server-error);"
                    + " nothing was changed."));
            responses.addAPIResponse("503", responses.getAPIResponse("503") != null ? responses.getAPIResponse("503")
                    : OASFactory.createAPIResponse().description("The service's database (or a service it needs) is"
                    + " unreachable for a moment (service-unavailable); nothing was changed. Retry after `Retry-After` seconds."));
        }
        for (Map.Entry<String, APIResponse> r : responses.getAPIResponses().entrySet()) {
            if (r.getKey().startsWith("4") || r.getKey().startsWith("5")) {
                problemBody(r.getKey(), r.getValue());
            }
        }
    }

    /** An error status answers application/problem+json; its description names the catalog's types for it. */
    private static void problemBody(String status, APIResponse response) {
        if (response.getContent() == null || response.getContent().getMediaTypes().isEmpty()) {
            response.setContent(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                    OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM_REF))));
        } else {
            response.getContent().getMediaTypes().values().stream().filter(m -> m.getSchema() == null)
                    .forEach(m -> m.setSchema(OASFactory.createSchema().ref(PROBLEM_REF)));
        }
        String described = response.getDescription() == null ? "" : response.getDescription();
        if (!described.contains("Problem types:")) {
            String types = ProblemCatalog.bySlugsIn(described).stream()
                    .map(p -> "[" + p.slug() + "](" + GATEWAY_PAGES + p.slug() + ")")
                    .collect(Collectors.joining(", "));
            if (!types.isEmpty()) {
                response.setDescription(described + " Problem types: " + types + ".");
            } else if (described.isBlank()) {
                response.setDescription("An error; see the problem's `type`.");
            }
        }
    }

    private static Schema problemSchema() {
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                .description("An RFC 9457 problem: every error of the API is answered with one.")
                .addRequired("type").addRequired("title").addRequired("status")
                .addProperty("type", string("The problem's type URI, https://trainpod.dev/problems/<slug>; its page"
                        + " at the gateway is /problems/<slug> (what happened, what to do).").format("uri"))
                .addProperty("title", string("A short summary of the problem type."))
                .addProperty("status", OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER))
                        .description("The HTTP status code, 400–599.").minimum(java.math.BigDecimal.valueOf(400))
                        .maximum(java.math.BigDecimal.valueOf(599)))
                .addProperty("detail", string("What happened in this case and what to do about it."))
                .addProperty("instance", string("The request this problem is about, when given."))
                .addProperty("errors", OASFactory.createSchema().type(List.of(Schema.SchemaType.ARRAY))
                        .description("Every failing field, for validation problems (pre-flight checks included).")
                        .items(OASFactory.createSchema().ref("#/components/schemas/FieldError")));
    }

    private static Schema fieldErrorSchema() {
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                .description("One failed check of one request field.")
                .addProperty("field", string("The request field, as a JSON path such as gpu.types[0], or a header."))
                .addProperty("code", string("A stable code such as DATASET_NOT_FOUND; its page at the gateway is"
                        + " /problems/codes/<code>."))
                .addProperty("message", string("What is wrong with the field."))
                .addProperty("hint", string("What to do about it."));
    }

    /** Each property not in the schema's {@code required} list may be null, as Jackson writes an absent value. */
    private static void nullableUnlessRequired(Schema schema) {
        if (schema.getProperties() == null) {
            return;
        }
        List<String> required = schema.getRequired() == null ? List.of() : schema.getRequired();
        schema.getProperties().forEach((name, p) -> {
            nullableUnlessRequired(p);
            if (p.getItems() != null) {
                nullableUnlessRequired(p.getItems());
            }
            if (required.contains(name)) {
                return;
            }
            if (p.getRef() != null) {
                p.setAnyOf(List.of(OASFactory.createSchema().ref(p.getRef()),
                        OASFactory.createSchema().type(List.of(Schema.SchemaType.NULL))));
                p.setRef(null);
                p.setType(null);
            } else if (p.getType() != null && !p.getType().contains(Schema.SchemaType.NULL)) {
                List<Schema.SchemaType> types = new ArrayList<>(p.getType());
                types.add(Schema.SchemaType.NULL);
                p.setType(types);
                if (p.getEnumeration() != null && !p.getEnumeration().contains(null)) {
                    List<Object> values = new ArrayList<>(p.getEnumeration());
                    values.add(null);
                    p.setEnumeration(values);
                }
            }
        });
    }

    private static Schema string(String description) {
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)).description(description);
    }
}
