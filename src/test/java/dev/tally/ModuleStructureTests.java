package dev.tally;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModule;
import org.springframework.modulith.core.ApplicationModules;

/**
 * The package graph of docs/how-it-works.md, checked on the compiled main code: each package uses only
 * the public types of the packages its {@code package-info.java} allows, and there are no cycles.
 */
class ModuleStructureTests {

    private static final ApplicationModules MODULES = ApplicationModules.of(TallyApplication.class);

    @Test
    void everyPackageUsesOnlyTheModulesItsPackageInfoAllows() {
        MODULES.verify();
    }

    @Test
    void everyPackageDeclaresTheModulesItMayUse() {
        // A package without allowedDependencies may use anything, so verify() would guard nothing there.
        assertThat(MODULES.stream()
                        .filter(module -> declaredDependencies(module).isEmpty()))
                .map(ApplicationModule::getIdentifier)
                .isEmpty();
    }

    @Test
    void nothingDependsOnIngest() {
        var ingest = MODULES.getModuleByName("ingest").orElseThrow();
        assertThat(MODULES.stream()
                        .filter(module -> module.getDirectDependencies(MODULES).contains(ingest)))
                .map(ApplicationModule::getIdentifier)
                .isEmpty();
    }

    @Test
    void theTerminalClientUsesOnlyTheJavaClientWhichUsesNothing() {
        var cli = MODULES.getModuleByName("cli").orElseThrow();
        assertThat(cli.getDirectDependencies(MODULES).uniqueModules())
                .map(module -> module.getIdentifier().toString())
                .containsExactly("client");
        var client = MODULES.getModuleByName("client").orElseThrow();
        assertThat(client.getDirectDependencies(MODULES).uniqueModules())
                .map(ApplicationModule::getIdentifier)
                .isEmpty();
        assertThat(declaredDependencies(client)).contains(new String[0]);
    }

    private static Optional<String[]> declaredDependencies(ApplicationModule module) {
        return module.getBasePackage()
                .getAnnotation(org.springframework.modulith.ApplicationModule.class)
                .map(org.springframework.modulith.ApplicationModule::allowedDependencies)
                .filter(names ->
                        !Arrays.asList(names).contains(org.springframework.modulith.ApplicationModule.OPEN_TOKEN));
    }
}
