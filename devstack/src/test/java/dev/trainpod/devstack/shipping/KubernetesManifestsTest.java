package dev.trainpod.devstack.shipping;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Kubernetes manifests parse as their kinds, render with kustomize, and run as operators expect. */
class KubernetesManifestsTest {

    @Test
    void everyManifestFileParsesAsItsKind() {
        Map<Path, List<JsonNode>> files = Repo.manifestFiles();
        assertThat(files).isNotEmpty();
        files.forEach((file, docs) -> {
            assertThat(docs).as(file + " has manifests").isNotEmpty();
            docs.forEach(doc -> KubernetesKinds.parse(doc, Repo.ROOT.relativize(file).toString()));
        });
    }

    @Test
    void bothOverlaysRenderAndEveryRenderedManifestParses() {
        for (String overlay : List.of("k8s/overlays/dev", "k8s/overlays/prod")) {
            List<JsonNode> docs = Repo.kustomize(overlay);
            assertThat(docs).as(overlay).hasSizeGreaterThan(20);
            docs.forEach(doc -> KubernetesKinds.parse(doc, overlay));
            assertThat(docs).allSatisfy(d -> assertThat(d.at("/metadata/namespace").asText(""))
                    .as(d.path("kind").asText() + " namespace")
                    .isIn("trainpod", ""));
        }
    }

    @Test
    void everyDeploymentHasProbesResourcesAndRunsAsNonRootReadOnly() {
        for (String overlay : List.of("k8s/overlays/dev", "k8s/overlays/prod")) {
            List<JsonNode> deployments = Repo.kustomize(overlay).stream()
                    .filter(d -> "Deployment".equals(d.path("kind").asText())).toList();
            assertThat(deployments).extracting(d -> d.at("/metadata/name").asText()).as(overlay)
                    .containsExactlyInAnyOrder("deploy-service", "dataset-service", "metrics-service",
                            "trainpod-gateway");
            for (JsonNode doc : deployments) {
                Deployment d = (Deployment) KubernetesKinds.parse(doc, overlay);
                String name = d.getMetadata().getName();
                boolean service = Repo.SERVICES.contains(name); // the gateway is nginx serving files, no Quarkus
                assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot())
                        .as(name + " runAsNonRoot").isTrue();
                assertThat(d.getSpec().getStrategy().getType()).as(name).isEqualTo("RollingUpdate");
                if (service) {
                    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
                            .containsEntry("prometheus.io/scrape", "true")
                            .containsEntry("prometheus.io/path", "/q/metrics");
                }
                for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
                    if (service) {
                        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
                        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
                        assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/q/health/started");
                    } else {
                        assertThat(c.getLivenessProbe().getHttpGet().getPath()).as(name).isNotBlank();
                        assertThat(c.getReadinessProbe().getHttpGet().getPath()).as(name).isNotBlank();
                    }
                    assertThat(c.getResources().getRequests()).as(name + " requests").containsKeys("cpu", "memory");
                    assertThat(c.getResources().getLimits()).as(name + " limits").containsKeys("cpu", "memory");
                    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(name).isTrue();
                    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(name).isFalse();
                }
            }
        }
    }

    @Test
    void eachServiceHasAnAutoscalerADisruptionBudgetAndNetworkPolicies() {
        List<JsonNode> prod = Repo.kustomize("k8s/overlays/prod");
        for (String service : Repo.SERVICES) {
            ShippingConsistencyTest.find(prod, "HorizontalPodAutoscaler", service);
            ShippingConsistencyTest.find(prod, "PodDisruptionBudget", service);
            ShippingConsistencyTest.find(prod, "Service", service);
            ShippingConsistencyTest.find(prod, "ConfigMap", service);
        }
        List<String> policies = prod.stream().filter(d -> "NetworkPolicy".equals(d.path("kind").asText()))
                .map(d -> d.at("/metadata/name").asText()).toList();
        assertThat(policies).contains("trainpod-services-ingress", "trainpod-services-egress", "deploy-service-egress");
        assertThat(ShippingConsistencyTest.find(prod, "Cluster", "trainpod-pg").at("/spec/instances").asInt())
                .isEqualTo(3);
        assertThat(prod.stream().filter(d -> "Database".equals(d.path("kind").asText())).count()).isEqualTo(2);
    }
}
