package org.klp.cli.connect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.klp.cli.repo.Repositories;
import org.klp.cli.repo.Zypper;

/**
 * What registering does on the host, in SUSEConnect's order, for {@code klp register},
 * {@code klp deregister}: the server's calls, then the product's zypper service
 * ({@link ZyppServices}), klp's own list of repositories ({@code etc/klp/repositories}, read by
 * {@code klp update}) from the service's index, and on a zypper-managed host the product's release
 * package ({@code zypper install -t product}), as SUSEConnect installs it for an extension.
 */
public final class Registration {

    /** An activated product: its service, its repositories, and what went wrong with its release package, if anything. */
    public record Activated(ConnectClient.Service service, List<String> repositories, Optional<String> releasePackageProblem) {
    }

    private Registration() {
    }

    /** Activates a product and sets up its service and repositories; {@code installRelease}: also its release package (extensions). */
    public static Activated activate(Path root, ConnectClient client, Credentials c, String[] product, String code, boolean installRelease) {
        ConnectClient.Service s = client.activate(c, product[0], product[1], product[2], code);
        ZyppServices.add(root, s.zypp(), c);
        List<String> repositories = client.repositories(c, s);
        for (String repo : repositories) {
            Agent.configureRepository(root, repo);
        }
        Optional<String> problem = Optional.empty();
        if (installRelease && ZyppServices.zypperManages(root)) {
            Zypper.Result r = Zypper.run(root, List.of("--no-refresh", "install", "--no-recommends", "--auto-agree-with-product-licenses",
                    "-t", "product", product[0]));
            if (r.exitCode() != 0) {
                problem = Optional.of("zypper could not install product " + product[0] + " (exit " + r.exitCode() + "): " + lastLine(r.output())
                        + "; install it with: zypper install -t product " + product[0]);
            }
        }
        return new Activated(s, repositories, problem);
    }

    /** Deactivates an extension ({@code SUSEConnect -d -p}): its service, repositories and release package go. */
    public static ConnectClient.Service deactivate(Path root, ConnectClient client, Credentials c, String[] product) {
        String triplet = String.join("/", product);
        // the service's index is this system's only while the product is activated: read it first
        List<String> repositories = client.activations(c).stream().map(ConnectClient.Activation::service)
                .filter(s -> s != null && s.product() != null && s.product().triplet().equals(triplet)).findFirst()
                .map(s -> client.repositories(c, s)).orElse(List.of());
        ConnectClient.Service s = client.deactivate(c, product[0], product[1], product[2]);
        ZyppServices.remove(root, s.zypp().name());
        forgetRepositories(root, repositories);
        if (ZyppServices.zypperManages(root)) {
            Zypper.run(root, List.of("--no-refresh", "remove", "-t", "product", product[0]));
        }
        return s;
    }

    /** Removes the system from its server, then its services on this server, its credentials and klp's repositories. */
    public static void deregister(Path root, ConnectClient client, Credentials c) {
        client.deregister(c);
        for (ZyppServices.Service s : ZyppServices.list(root)) {
            if (s.url().startsWith(client.server() + "/")) {
                ZyppServices.remove(root, s.name());
            }
        }
        Credentials.delete(root);
        KernelLock.set(root, false, "default");
        Agent.forgetRepositories(root);
    }

    private static void forgetRepositories(Path root, List<String> repositories) {
        Path list = root.resolve(Repositories.CONFIG);
        try {
            if (Files.exists(list)) {
                List<String> lines = new ArrayList<>(Files.readAllLines(list));
                if (lines.removeAll(repositories)) {
                    org.klp.kernel.files.AtomicFileWriter.under(root).write(list, lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot update " + list + ": " + e.getMessage(), e);
        }
    }

    private static String lastLine(String output) {
        List<String> lines = output.strip().lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
}
