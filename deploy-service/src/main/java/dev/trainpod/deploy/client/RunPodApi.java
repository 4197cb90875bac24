package dev.trainpod.deploy.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The RunPod REST API v2 calls Trainpod makes; the base URL comes from {@code RUNPOD_API_URL}. */
@RegisterRestClient(configKey = "runpod")
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
interface RunPodApi {

    @POST
    @Path("/pods")
    Uni<RunPodModels.Pod> createPod(@HeaderParam("Authorization") String authorization, RunPodModels.CreatePod body);

    @GET
    @Path("/pods/{id}")
    Uni<RunPodModels.Pod> getPod(@HeaderParam("Authorization") String authorization, @PathParam("id") String id);

    @GET
    @Path("/pods")
    Uni<RunPodModels.PodList> listPods(@HeaderParam("Authorization") String authorization,
                                       @QueryParam("cursor") String cursor);

    @DELETE
    @Path("/pods/{id}")
    Uni<Void> deletePod(@HeaderParam("Authorization") String authorization, @PathParam("id") String id);

    @GET
    @Path("/catalog/gpus")
    Uni<RunPodModels.GpuCatalog> gpuCatalog(@HeaderParam("Authorization") String authorization,
                                            @QueryParam("include") String include,
                                            @QueryParam("product") String product);
}
