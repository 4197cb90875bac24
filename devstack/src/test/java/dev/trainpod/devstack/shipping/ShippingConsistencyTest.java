package dev.trainpod.devstack.shipping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trainpod.devstack.ServiceProcess;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docker compose, the Kubernetes manifests and the services agree on keys, ports, topics, routes and images. */
class ShippingConsistencyTest {

    private static final JsonNode COMPOSE = Repo.compose();
    private static final List<JsonNode> PROD = Repo.kustomize("k8s/overlays/prod");
    private static final List<JsonNode> DEV = Repo.kustomize("k8s/overlays/dev");
    /** Gateway routes an issue added after ../shared/ARCHITECTURE.md's route table was written (issue 14: models). */
    private static final Map<String, String> ROUTES_ADDED_SINCE_THE_DESIGN = Map.of("/api/v1/models", "deploy-service");
    /** The Kubernetes Service of the gateway's own files (k8s/base/gateway.yaml). */
    private static final String GATEWAY = "trainpod-gateway";
    /** Paths the gateway serves from files (API reference, problem pages, console): one at least per location. */
    private static final List<String> GATEWAY_FILE_PATHS = List.of("/api/docs", "/api/docs/",
            "/api/docs/swagger-ui-bundle.js", "/api/openapi.json", "/api/asyncapi.json", "/problems/",
            "/problems/not-found", "/problems/codes/RUNPOD_KEY_MISSING", "/", "/index.html", "/console-config.json",
            "/assets/app.js");

    @Test
    void everyVariableTheManifestsSetIsAKeyTheServiceReads() {
        for (String service : Repo.SERVICES) {
            Set<String> reads = ConfigKeys.envNames(service);
            Set<String> set = new HashSet<>();
            COMPOSE.path("services").path(service).path("environment").fieldNames().forEachRemaining(set::add);
            for (List<JsonNode> rendered : List.of(PROD, DEV)) {
                set.addAll(deploymentEnv(rendered, service));
            }
            assertThat(set).as(service + " is given variables").isNotEmpty();
            assertThat(reads).as(service + " reads every variable it is given").containsAll(set);
        }
    }

    /**
     * The benchmarks run each service as production would ({@code ServiceProcess}'s production mode): the image's
     * {@code JAVA_OPTS}, the JVM sized for the Deployment's memory limit, as many processors as its CPU limit.
     */
    @Test
    void benchmarksRunTheServicesWithTheImagesJvmInsideTheirLimits() {
        String mode = System.setProperty(ServiceProcess.JVM_MODE, "production");
        try {
            for (String service : Repo.SERVICES) {
                Matcher opts = Pattern.compile("JAVA_OPTS=\"([^\"]*)\"")
                        .matcher(Repo.read(service + "/src/main/docker/Dockerfile"));
                assertThat(opts.find()).as(service + "'s Dockerfile sets JAVA_OPTS").isTrue();
                JsonNode limits = find(PROD, "Deployment", service)
                        .at("/spec/template/spec/containers/0/resources/limits");
                List<String> flags = ServiceProcess.jvmFlags(service);
                assertThat(flags).as(service + ": the image's JAVA_OPTS")
                        .containsAll(List.of(opts.group(1).trim().split("\\s+")));
                assertThat(flags).as(service + ": its memory and CPU limits").contains(
                        "-XX:MaxRAM=" + limits.path("memory").asText().replace("Mi", "m"),
                        "-XX:ActiveProcessorCount=" + limits.path("cpu").asText());
            }
        } finally {
            if (mode == null) {
                System.clearProperty(ServiceProcess.JVM_MODE);
            } else {
                System.setProperty(ServiceProcess.JVM_MODE, mode);
            }
        }
    }

    @Test
    void portsAgreeBetweenServicesComposeAndKubernetes() {
        for (String service : Repo.SERVICES) {
            String port = Repo.applicationProperties(service).getProperty("quarkus.http.port");
            List<String> composePorts = new ArrayList<>();
            COMPOSE.path("services").path(service).path("ports")
                    .forEach(p -> composePorts.add(p.asText().replaceAll(".*:", "")));
            assertThat(composePorts).as(service + " compose port").containsExactly(port);
            JsonNode svc = find(PROD, "Service", service);
            assertThat(svc.at("/spec/ports/0/port").asText()).as(service + " Service port").isEqualTo(port);
            JsonNode deployment = find(PROD, "Deployment", service);
            assertThat(deployment.at("/spec/template/spec/containers/0/ports/0/containerPort").asText())
                    .isEqualTo(port);
            assertThat(Repo.read(service + "/src/main/docker/Dockerfile")).contains("EXPOSE " + port);
        }
    }

    @Test
    void everyoneUsesTheOneLifecycleTopic() {
        String topic = "deployment-lifecycle";
        for (String service : Repo.SERVICES) {
            assertThat(Repo.applicationProperties(service).getProperty("mp.messaging.incoming.lifecycle.topic"))
                    .isEqualTo(topic);
        }
        assertThat(COMPOSE.at("/services/kafka-init/command").toString()).contains("--topic " + topic + " ");
        assertThat(find(PROD, "KafkaTopic", topic).at("/spec/topicName").asText()).isEqualTo(topic);
        assertThat(find(PROD, "KafkaTopic", topic).at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(Repo.read("common/src/main/java/dev/trainpod/common/event/LifecycleEvent.java"))
                .contains("TOPIC = \"" + topic + "\"");
    }

    @Test
    void theDatasetCatalogTopicIsDeclaredWhereverTopicsAre() {
        String topic = "dataset-catalog";
        assertThat(Repo.applicationProperties("deploy-service")
                .getProperty("mp.messaging.incoming.dataset-catalog.topic")).isEqualTo(topic);
        assertThat(COMPOSE.at("/services/kafka-init/command").toString())
                .contains("--topic " + topic + " ").contains("cleanup.policy=compact");
        assertThat(find(PROD, "KafkaTopic", topic).at("/spec/topicName").asText()).isEqualTo(topic);
        assertThat(find(PROD, "KafkaTopic", topic).at("/spec/config/cleanup.policy").asText()).isEqualTo("compact");
        assertThat(Repo.read("common/src/main/java/dev/trainpod/common/event/DatasetCatalogEvent.java"))
                .contains("TOPIC = \"" + topic + "\"");
    }

    @Test
    void gatewayRoutesAgreeEverywhere() {
        Map<String, String> nginx = GatewayRoutes.nginx();
        assertThat(nginx).isNotEmpty();
        assertThat(GatewayRoutes.api(GatewayRoutes.httpRoutes(PROD))).isEqualTo(nginx);
        assertThat(GatewayRoutes.api(GatewayRoutes.ingress(DEV))).isEqualTo(nginx);
        Map<String, String> architecture = GatewayRoutes.architecture();
        if (!architecture.isEmpty()) {
            // Every route of the shared design, and beyond it only the routes an issue added since (listed here).
            assertThat(nginx).containsAllEntriesOf(architecture);
            Map<String, String> added = new TreeMap<>(nginx);
            added.keySet().removeAll(architecture.keySet());
            assertThat(added).isEqualTo(ROUTES_ADDED_SINCE_THE_DESIGN);
        }
    }

    @Test
    void kubernetesServesTheGatewaysOwnFilesAsComposeDoes() {
        List<GatewayRoutes.FileLocation> locations = GatewayRoutes.fileLocations();
        assertThat(locations).as("nginx.conf's locations that serve files").hasSizeGreaterThanOrEqualTo(5);
        // Each location serving files is reached by a path below, and each such path reaches the gateway's pod.
        for (GatewayRoutes.FileLocation location : locations) {
            assertThat(GATEWAY_FILE_PATHS.stream().anyMatch(location::serves))
                    .as("a path of GATEWAY_FILE_PATHS that " + location + " serves: add one, and route it in k8s/")
                    .isTrue();
        }
        for (String path : GATEWAY_FILE_PATHS) {
            assertThat(locations.stream().anyMatch(l -> l.serves(path))).as(path + " served by nginx.conf").isTrue();
            assertThat(GatewayRoutes.routeAny(GatewayRoutes.httpRoutes(PROD), path)).as(path + " HTTPRoute")
                    .isEqualTo(GATEWAY);
            assertThat(GatewayRoutes.routeAny(GatewayRoutes.ingress(DEV), path)).as(path + " Ingress")
                    .isEqualTo(GATEWAY);
        }
        for (List<JsonNode> rendered : List.of(PROD, DEV)) {
            Map<String, String> routes = new TreeMap<>(GatewayRoutes.httpRoutes(rendered));
            routes.putAll(GatewayRoutes.ingress(rendered));
            routes.forEach((prefix, backend) -> {
                if (backend.equals(GATEWAY)) {
                    assertThat(GATEWAY_FILE_PATHS.stream().anyMatch(p -> prefix.equals(GatewayRoutes.longestPrefix(
                            routes, p)))).as(prefix + " is routed to the gateway: name a path of it that nginx.conf"
                            + " serves from files in GATEWAY_FILE_PATHS").isTrue();
                }
            });
        }

        // The same files at the same paths as compose mounts them, in nginx's image, on nginx's port.
        JsonNode gateway = COMPOSE.path("services").path("gateway");
        String dockerfile = Repo.read("deploy/gateway/Dockerfile");
        assertThat(dockerfile).contains("FROM " + gateway.path("image").asText() + "\n");
        List<String> copies = new ArrayList<>();
        Matcher copy = Pattern.compile("(?m)^COPY (\\S+) (\\S+)$").matcher(dockerfile);
        while (copy.find()) {
            copies.add(copy.group(1) + ":" + copy.group(2));
        }
        List<String> mounts = new ArrayList<>();
        gateway.path("volumes").forEach(v -> mounts.add(v.asText().replaceFirst("^\\./", "").replaceFirst(":ro$", "")));
        assertThat(copies).as("deploy/gateway/Dockerfile copies what compose mounts").isEqualTo(mounts);
        Map<String, String> env = Repo.envFile(Repo.path(".env"));
        JsonNode pod = find(PROD, "Deployment", GATEWAY).at("/spec/template/spec");
        assertThat(pod.at("/containers/0/image").asText())
                .isEqualTo(env.get("TRAINPOD_REGISTRY") + "/" + GATEWAY + ":" + env.get("TRAINPOD_TAG"));
        String listen = Repo.read("deploy/compose/nginx.conf").replaceAll("(?s).*listen (\\d+);.*", "$1");
        assertThat(pod.at("/containers/0/ports/0/containerPort").asText()).isEqualTo(listen);
        assertThat(gateway.at("/ports/0").asText()).endsWith(":" + listen);
        assertThat(pod.at("/containers/0/volumeMounts/0/mountPath").asText())
                .isEqualTo("/usr/share/trainpod/console/console-config.json");
        assertThat(find(PROD, "ConfigMap", GATEWAY).at("/data/console-config.json").asText()).contains("\"oidc\"");
    }

    @Test
    void everyPublicPathOfEveryServiceIsRoutedToItAndNoInternalOneIs() {
        Map<String, String> routes = GatewayRoutes.nginx();
        for (String service : Repo.SERVICES) {
            List<String> paths = GatewayRoutes.openApiPaths(service);
            assertThat(paths).as(service + " OpenAPI paths").isNotEmpty();
            for (String path : paths) {
                String routedTo = GatewayRoutes.route(routes, path);
                if (path.startsWith("/internal/") || path.startsWith("/q/")) {
                    assertThat(routedTo).as(path + " must not be reachable through the gateway").isNull();
                } else {
                    assertThat(routedTo).as(path + " through the gateway").isEqualTo(service);
                }
            }
        }
    }

    @Test
    void imagesAreNamedOnceForComposeAndKubernetes() {
        Map<String, String> env = Repo.envFile(Repo.path(".env"));
        for (String service : Repo.SERVICES) {
            String compose = COMPOSE.path("services").path(service).path("image").asText()
                    .replace("${TRAINPOD_REGISTRY}", env.get("TRAINPOD_REGISTRY"))
                    .replace("${TRAINPOD_TAG}", env.get("TRAINPOD_TAG"));
            String k8s = find(PROD, "Deployment", service).at("/spec/template/spec/containers/0/image").asText();
            assertThat(k8s).as(service + " image").isEqualTo(compose);
        }
    }

    @Test
    void composeStartsServicesOnlyWhenWhatTheyNeedIsHealthy() {
        for (String name : List.of("postgres", "kafka", "deploy-service", "dataset-service", "metrics-service",
                "gateway")) {
            JsonNode s = COMPOSE.path("services").path(name);
            boolean checked = s.has("healthcheck") || Repo.read(dockerfileOf(name)).contains("HEALTHCHECK");
            assertThat(checked).as(name + " has a health check").isTrue();
        }
        for (String service : Repo.SERVICES) {
            JsonNode deps = COMPOSE.path("services").path(service).path("depends_on");
            assertThat(deps.at("/postgres/condition").asText()).isEqualTo("service_healthy");
            assertThat(deps.at("/kafka-init/condition").asText()).isEqualTo("service_completed_successfully");
            assertThat(COMPOSE.at("/services/gateway/depends_on/" + service + "/condition").asText())
                    .isEqualTo("service_healthy");
        }
        assertThat(COMPOSE.at("/services/runpod-sim/profiles/0").asText()).isEqualTo("sim");
    }

    private static String dockerfileOf(String name) {
        return Repo.SERVICES.contains(name) ? name + "/src/main/docker/Dockerfile" : "docker-compose.yml";
    }

    private static Set<String> deploymentEnv(List<JsonNode> rendered, String service) {
        Set<String> names = new HashSet<>();
        find(rendered, "Deployment", service).at("/spec/template/spec/containers/0/env")
                .forEach(e -> names.add(e.path("name").asText()));
        find(rendered, "ConfigMap", service).path("data").fieldNames().forEachRemaining(names::add);
        return names;
    }

    static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.path("kind").asText()) && name.equals(d.at("/metadata/name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }
}
