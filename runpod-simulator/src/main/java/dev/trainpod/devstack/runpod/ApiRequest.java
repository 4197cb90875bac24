package dev.trainpod.devstack.runpod;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One parsed HTTP request as a route sees it.
 *
 * @param caller who made it; {@code null} on the unauthenticated control API
 * @param body the JSON body, {@code null} when there was none
 * @param pathParams the values of the route template's {@code {…}} segments, in order
 */
record ApiRequest(String method, String path, Map<String, String> query, String lastEventId,
                  Caller caller, JsonNode body, List<String> pathParams) {

    String pathParam(int index) {
        return pathParams.get(index);
    }

    ApiRequest withPathParams(List<String> params) {
        return new ApiRequest(method, path, query, lastEventId, caller, body, params);
    }
}
