package dev.trainpod.deploy.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** dataset-service's internal API, called with a service token. */
@RegisterRestClient(configKey = "dataset-service")
@Path("/internal/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
interface DatasetApi {

    @GET
    @Path("/datasets/{id}")
    Uni<DatasetModels.DatasetSummary> dataset(@HeaderParam("Authorization") String authorization,
                                              @PathParam("id") UUID id, @QueryParam("userId") String userId);

    @POST
    @Path("/download-tokens")
    Uni<DatasetModels.DownloadToken> mintToken(@HeaderParam("Authorization") String authorization,
                                               DatasetModels.TokenRequest body);
}
