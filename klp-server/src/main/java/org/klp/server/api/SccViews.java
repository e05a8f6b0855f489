package org.klp.server.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * The documents of SCC's v4 API as SUSE's registration proxy (RMT) serves them, which SUSEConnect,
 * YaST and zypper-migration read: products with their extension trees and repositories, services,
 * activations, migration paths. Field names are SCC's.
 */
final class SccViews {

    private SccViews() {
    }

    /** A repository of a product (in a product document; hosts get repositories through the service index). */
    record Repository(long id, String name, String url, String description, boolean enabled, boolean autorefresh,
                      @JsonProperty("installer_updates") boolean installerUpdates) {
    }

    /**
     * A product and its extensions. {@code activated} is klp's addition (SUSEConnect works it out
     * from the activations); {@code free} false means activating it needs a registration code of its own.
     */
    record Product(int id, String name, String identifier, @JsonProperty("former_identifier") String formerIdentifier, String version,
                   @JsonProperty("release_type") String releaseType, @JsonProperty("release_stage") String releaseStage, String arch,
                   @JsonProperty("friendly_name") String friendlyName, @JsonProperty("product_class") String productClass, String cpe,
                   boolean free, String description, @JsonProperty("eula_url") String eulaUrl, List<Repository> repositories,
                   @JsonProperty("product_type") String productType, List<Product> extensions, boolean recommended, boolean available,
                   boolean activated) {
    }

    /** A repository service for zypper ({@code zypper addservice -t ris URL NAME}) and the product it serves. */
    record Service(int id, String name, String url, @JsonProperty("obsoleted_service_name") String obsoletedServiceName, Product product) {
    }

    /**
     * A product activated on a system. {@code regcode} is always null: codes are stored hashed,
     * and a system's status shows the subscription's name (the code's label) instead.
     */
    record Activation(int id, @JsonProperty("system_id") long systemId, Service service, String regcode, String name, String status,
                      @JsonProperty("starts_at") Instant startsAt, @JsonProperty("expires_at") Instant expiresAt, String type) {
    }

    /** A product of a migration path. */
    record UpgradePathItem(@JsonProperty("friendly_name") String friendlyName, String shortname, String identifier, String version, String arch,
                           @JsonProperty("release_type") String releaseType, boolean base, @JsonProperty("product_type") String productType,
                           boolean free, @JsonProperty("release_stage") String releaseStage, boolean available) {
    }

    /** SCC's answer to an announce ({@code id, login, password}), and klp's addition: the product the code registers. */
    record Announced(long id, String login, String password, @JsonProperty("last_seen_at") Instant lastSeenAt, String product) {
    }
}
