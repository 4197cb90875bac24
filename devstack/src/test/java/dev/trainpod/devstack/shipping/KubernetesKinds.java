package dev.trainpod.devstack.shipping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a manifest as its Kubernetes kind: built-in and Gateway API kinds through the fabric8 model with no
 * field left unknown; the operators' kinds (Strimzi, CloudNativePG) by the fields their CRDs require.
 */
final class KubernetesKinds {

    private static final Map<String, Class<? extends HasMetadata>> MODELS = Map.ofEntries(
            Map.entry("Deployment", Deployment.class), Map.entry("Service", Service.class),
            Map.entry("ConfigMap", ConfigMap.class), Map.entry("Namespace", Namespace.class),
            Map.entry("PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
            Map.entry("PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("NetworkPolicy", NetworkPolicy.class), Map.entry("Ingress", Ingress.class),
            Map.entry("Gateway", Gateway.class), Map.entry("HTTPRoute", HTTPRoute.class));

    /** Operator kinds: API version and the spec fields each needs. */
    private static final Map<String, Map.Entry<String, List<String>>> OPERATOR_KINDS = Map.of(
            "Kafka", Map.entry("kafka.strimzi.io/v1beta2", List.of("/spec/kafka/listeners/0/port",
                    "/spec/kafka/version", "/spec/entityOperator/topicOperator")),
            "KafkaNodePool", Map.entry("kafka.strimzi.io/v1beta2", List.of("/spec/replicas", "/spec/roles/0",
                    "/spec/storage/type", "/metadata/labels/strimzi.io~1cluster")),
            "KafkaTopic", Map.entry("kafka.strimzi.io/v1beta2", List.of("/spec/partitions", "/spec/replicas",
                    "/metadata/labels/strimzi.io~1cluster")),
            "Cluster", Map.entry("postgresql.cnpg.io/v1", List.of("/spec/instances", "/spec/storage/size")),
            "Database", Map.entry("postgresql.cnpg.io/v1", List.of("/spec/cluster/name", "/spec/name",
                    "/spec/owner")),
            "ServiceMonitor", Map.entry("monitoring.coreos.com/v1", List.of("/spec/selector/matchLabels",
                    "/spec/endpoints/0/port", "/spec/endpoints/0/path")),
            "PrometheusRule", Map.entry("monitoring.coreos.com/v1", List.of("/spec/groups/0/name",
                    "/spec/groups/0/rules/0/expr")));

    private KubernetesKinds() {
    }

    /** Asserts the document is a valid manifest of its kind and returns it as the model (or null for CRDs). */
    static Object parse(JsonNode doc, String where) {
        String kind = doc.path("kind").asText();
        assertThat(doc.path("metadata").path("name").asText()).as(where + ": metadata.name").isNotBlank();
        Class<? extends HasMetadata> model = MODELS.get(kind);
        if (model != null) {
            assertThat(doc.path("apiVersion").asText()).as(where + ": apiVersion of " + kind)
                    .isEqualTo(HasMetadata.getApiVersion(model));
            Object parsed = Repo.YAML.convertValue(doc, model);
            assertNoUnknownFields(parsed, where + " " + kind, new IdentityHashMap<>());
            return parsed;
        }
        Map.Entry<String, List<String>> crd = OPERATOR_KINDS.get(kind);
        assertThat(crd).as(where + ": a kind this project knows, not " + kind).isNotNull();
        assertThat(doc.path("apiVersion").asText()).as(where + ": apiVersion of " + kind).isEqualTo(crd.getKey());
        for (String pointer : crd.getValue()) {
            assertThat(doc.at(pointer).isMissingNode()).as(where + ": " + kind + " needs " + pointer).isFalse();
        }
        return null;
    }

    private static void assertNoUnknownFields(Object o, String path, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum
                || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            c.forEach(item -> assertNoUnknownFields(item, path + "[]", seen));
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> assertNoUnknownFields(v, path + "." + k, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8")) {
            return;
        }
        for (Method getter : o.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                    || getter.getName().equals("getClass")) {
                continue;
            }
            Object value = invoke(getter, o);
            if (getter.getName().equals("getAdditionalProperties")) {
                assertThat((Map<?, ?>) value).as("unknown fields at " + path).isNullOrEmpty();
            } else {
                assertNoUnknownFields(value, path + "." + getter.getName().substring(3), seen);
            }
        }
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
