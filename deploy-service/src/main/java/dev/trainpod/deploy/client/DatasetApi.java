package dev.trainpod.deploy.client;

import dev.trainpod.common.dataset.DatasetSummary;
import dev.trainpod.common.dataset.InternalDatasetApi;
import dev.trainpod.common.dataset.MintTokenRequest;
import dev.trainpod.common.dataset.MintedToken;
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

/** dataset-service's internal API ({@link InternalDatasetApi}, the contract both sides use), called with a service token. */
@RegisterRestClient(configKey = "dataset-service")
@Path(InternalDatasetApi.ROOT)
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
interface DatasetApi {

    @GET
    @Path(InternalDatasetApi.DATASET)
    Uni<DatasetSummary> dataset(@HeaderParam("Authorization") String authorization,
                                @PathParam("id") UUID id, @QueryParam("userId") String userId);

    @POST
    @Path(InternalDatasetApi.DOWNLOAD_TOKENS)
    Uni<MintedToken> mintToken(@HeaderParam("Authorization") String authorization, MintTokenRequest body);
}
