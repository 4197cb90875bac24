package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A validated create-pod request with its placement decided.
 *
 * @param disk container disk in GB
 * @param mounts the request's {@code mounts} object as sent, {@code null} when absent
 */
record PodSpec(String name, String image, String args, int disk, Map<String, String> env, List<String> ports,
               String registry, String cloud, String gpuTypeId, int gpuCount, double costPerHour,
               String dataCenterId, String cudaVersion, JsonNode mounts, boolean globalNetworking) {
}
